"""Module names of the importers shipped with chatledger, loaded through the same path as plug-ins."""

BUILTIN_IMPORTERS: tuple[str, ...] = (
    # one module per line, sorted
    "chatledger.importers.chatlab",
    "chatledger.importers.dingtalk_json",
    "chatledger.importers.discord_dce_json",
    "chatledger.importers.email_mbox",
    "chatledger.importers.feishu_json",
    "chatledger.importers.generic",
    "chatledger.importers.line_txt",
    "chatledger.importers.messenger_json",
    "chatledger.importers.qq_mht",
    "chatledger.importers.qq_txt",
    "chatledger.importers.slack_export",
    "chatledger.importers.telegram_html",
    "chatledger.importers.telegram_json",
    "chatledger.importers.wechat_chatlog",
    "chatledger.importers.wechat_pywxdump",
    "chatledger.importers.wechat_wechatmsg",
    "chatledger.importers.wechat_wechatmsg_txt",
    "chatledger.importers.wecom_archive",
    "chatledger.importers.whatsapp_txt",
)
