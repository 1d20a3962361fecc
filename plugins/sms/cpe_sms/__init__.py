"""cpe plugin: SMS gateways for every region, Alibaba Cloud SMS (阿里云短信, ``aliyun``) and
Tencent Cloud SMS (腾讯云短信, ``tencent``), through the providers' official SDKs.

Region-agnostic: it declares no region. The deployment says which region sends through which
gateway, with which signature and templates, in ``CPE_SMS_REGIONS``; the keys are settings of
their own (``instance/cpe.cfg``, the environment, or a file named by ``<NAME>_FILE``).
"""
__version__ = "0.1.0"
