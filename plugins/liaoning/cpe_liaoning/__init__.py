"""辽宁省会计人员继续教育管理系统: the provincial hub as a cpe region plugin (seed
liaoning-2025-system-manual). Learners enrol here with a training institution at a level and
study at that institution's site."""
__version__ = "0.1.0"
