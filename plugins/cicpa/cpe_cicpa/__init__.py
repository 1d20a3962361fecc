"""cpe plugin for the China Institute of CPAs (中国注册会计师协会, 中注协).

Practising CPAs (注册会计师) and non-practising members (非执业会员) sign in with their member
number, study online at one of the three national accounting institutes, and apply for input,
output and exemption hours (投入式、产出式、豁免学时) that the provincial institute confirms.
"""
__version__ = "0.1.0"
