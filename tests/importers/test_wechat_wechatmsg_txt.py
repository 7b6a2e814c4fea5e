"""WeChatMsg/留痕 v1 TXT: our synthetic samples, detection beside the other .txt formats, identities."""

from __future__ import annotations

from pathlib import Path

from chatledger import importers
from chatledger.importers.base import SourceFile
from chatledger.model import MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn
from tests.importers._wechat import all_messages, check_bad, check_sample, import_sample, place, utc

SAMPLE = "wechatmsg_v1_txt_direct_2p_9m.txt"
FORMAT = "wechat-wechatmsg-txt"


def test_synthetic_sample(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_sample(SAMPLE, store, import_sample(SAMPLE, tmp_path, import_files))


def test_bad_sample(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_bad("bad_wechatmsg_v1_txt.txt", store, tmp_path, import_files)


def test_detected_without_stealing_other_txt_formats(tmp_path: Path) -> None:
    assert importers.detect(SourceFile(place(SAMPLE, tmp_path))).name == FORMAT
    mine = importers.get(FORMAT)
    others = [p for p in SAMPLES.rglob("*.txt") if not p.name.startswith(("wechatmsg_", "bad_wechatmsg_"))]
    assert len(others) >= 10  # WhatsApp, QQ and LINE samples
    assert [p.name for p in others if mine.sniff(SourceFile(p)) > 0] == []
    # Android WhatsApp with seconds starts like a WeChatMsg header line, but goes on "- name: ".
    whatsapp = tmp_path / "WhatsApp Chat with Ana.txt"
    whatsapp.write_text("2024-05-02 08:00:00 - Ana: hi\n2024-05-02 08:00:05 - Bo: hello\n", encoding="utf-8")
    assert mine.sniff(SourceFile(whatsapp)) == 0.0


def test_early_owner_name_group_and_escaped_names(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # Early versions show the owner as 你; group members by their (HTML/JS-escaped) display names.
    path = tmp_path / "聊天记录" / "周末球队" / "周末球队.txt"
    path.parent.mkdir(parents=True)
    path.write_text(
        "2024-05-02 08:00:00 李四\n几点集合\n\n"
        "2024-05-02 08:00:10 你\n九点\n\n"
        "2024-05-02 08:00:20 Tom &amp; Jerry\n[语音]\n\n"
        "2024-05-02 08:00:30 王\\'五\n收到\n\n"
        '2024-05-02 08:01:00 "李四" 撤回了一条消息\n\n'
        "2024-05-02 08:01:10 你撤回了一条消息\n\n",
        encoding="utf-8",
    )
    result = import_files(path, tz="Europe/Berlin")
    [chat] = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind.value) == ("remark:周末球队", "周末球队", "group")
    assert any("pass --me" in w for w in result.sources[0].warnings)
    got = [(m.sender, m.kind, m.text, utc(m), m.utc_offset_min) for m in all_messages(store)]
    assert got == [
        ("name:李四", MessageKind.TEXT, "几点集合", "2024-05-02T06:00:00+00:00", 120),
        ("self", MessageKind.TEXT, "九点", "2024-05-02T06:00:10+00:00", 120),
        ("name:Tom & Jerry", MessageKind.VOICE, "[语音]", "2024-05-02T06:00:20+00:00", 120),
        ("name:王'五", MessageKind.TEXT, "收到", "2024-05-02T06:00:30+00:00", 120),
        ("name:李四", MessageKind.RECALL, '"李四" 撤回了一条消息', "2024-05-02T06:01:00+00:00", 120),
        ("self", MessageKind.RECALL, "你撤回了一条消息", "2024-05-02T06:01:10+00:00", 120),
    ]


def test_txt_and_csv_exports_of_one_chat_share_their_texts(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # The 1:1 CSV sample (9-field rows) and the TXT WeChatMsg writes for the same chat, both in
    # 聊天记录/张三/: the partner is the chat id in both, so the TXT adds nothing.
    csv_path = place("wechatmsg_v1_direct_2p_8m.csv", tmp_path, "聊天记录/张三/张三_utf8.csv")
    import_files(csv_path, tz="Asia/Shanghai", me=("小明",))
    txt = csv_path.with_name("张三.txt")
    txt.write_text(
        "2024-05-02 08:00:00 张三\n明天几点出发？\n\n"
        + "2024-05-02 08:00:30 小明\n好的\n\n" * 3
        + "2024-05-02 08:00:45 张三\n七点半楼下见\n记得带伞\n\n"
        "2024-05-02 08:00:45 张三\n好的\n\n"
        "2024-05-02 08:01:00 小明\n好的\n\n"
        "2024-05-02 08:02:00 对方撤回了一条消息\n\n",
        encoding="utf-8",
    )
    result = import_files(txt, tz="Asia/Shanghai", me=("小明",))
    assert (result.sources[0].format, result.sources[0].messages, result.new) == (FORMAT, 8, 0)
    assert len(all_messages(store)) == 8


def test_memotrace_txt_labels_and_time_only_notices(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # MemoTrace (WeChatMsg v2) writes 【label】 renderings and a notice as a time line with the notice below.
    path = tmp_path / "聊天记录" / "老王" / "老王.txt"
    path.parent.mkdir(parents=True)
    md5 = "0123456789abcdef0123456789abcdef"
    path.write_text(
        "2025-03-01 09:30:12 老王\n今天下午三点开会\n\n"
        "2025-03-01 09:31:40 我\n【图片】\n\n"
        "2025-03-01 09:31:50 老王\n【语音】好的我知道了\n\n"
        f"2025-03-01 09:32:00 老王\n【文件】合同.pdf 1.2MB C:\\wx\\合同.pdf pdf {md5}\n\n"
        "2025-03-01 09:32:30 我\n【发起转账】:￥100.00\n备注: 定金\n\n"
        "2025-03-01 09:33:00 老王\n好的\n引用：我: 【图片】\n\n"
        '2025-03-01 09:34:00\n"老王"撤回了一条消息\n\n'
        '2025-03-01 09:35:00\n你邀请"小李"加入了群聊\n\n'
        "2025-03-01 09:36:00 老王\n【不是标签】而是正文\n\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    got = [(m.sender, m.kind, m.text) for m in all_messages(store)]
    partner = "remark:老王"  # the 1:1 partner is the chat the file is named after
    assert got == [
        (partner, MessageKind.TEXT, "今天下午三点开会"),
        ("self", MessageKind.IMAGE, "【图片】"),
        (partner, MessageKind.VOICE, "【语音】好的我知道了"),
        (partner, MessageKind.FILE, f"【文件】合同.pdf 1.2MB C:\\wx\\合同.pdf pdf {md5}"),
        ("self", MessageKind.TRANSFER, "【发起转账】:￥100.00\n备注: 定金"),
        (partner, MessageKind.TEXT, "好的"),
        (partner, MessageKind.RECALL, '"老王"撤回了一条消息'),
        (None, MessageKind.SYSTEM, '你邀请"小李"加入了群聊'),
        (partner, MessageKind.TEXT, "【不是标签】而是正文"),
    ]
    messages = all_messages(store)
    assert [a.name for a in messages[3].attachments] == ["合同.pdf"]
    assert messages[3].extra == {"size": "1.2MB", "ext": "pdf", "md5": md5}
    assert messages[4].extra is not None
    assert (messages[4].extra["direction"], messages[4].extra["amount"], messages[4].extra["memo"]) == (
        "sent",
        "100.00",
        "定金",
    )
    assert messages[5].extra == {"quote": {"name": "我", "text": "【图片】"}}
