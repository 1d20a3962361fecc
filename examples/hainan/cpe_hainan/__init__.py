"""An example cpe region plugin: 海南省会计人员继续教育.

It lives outside the cpe repository's ``plugins/`` on purpose: docs/plugins.md shows it whole as
the smallest complete region plugin, and tests/test_external_plugin.py enables it by
configuration alone.
"""
__version__ = "0.1.0"
