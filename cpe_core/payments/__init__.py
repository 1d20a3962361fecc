"""Payment providers shipped with the core (only the sandbox: real ones are plugins)."""
