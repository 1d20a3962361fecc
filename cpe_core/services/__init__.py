"""Core services: the one place each rule is applied. The HTML views, the JSON API and the CLI
call these; these call the region hooks through :mod:`cpe_core.regions`."""
