"""Module names of the importers shipped with chatledger, loaded through the same path as plug-ins."""

BUILTIN_IMPORTERS: tuple[str, ...] = (
    # one module per line, sorted
    "chatledger.importers.generic",
    "chatledger.importers.telegram_json",
    "chatledger.importers.wechat_pywxdump",
    "chatledger.importers.wechat_wechatmsg",
    "chatledger.importers.whatsapp_txt",
)
