"""Seeded, deterministic generator of realistic chat corpora in several export formats.

    python -m benchmarks.corpus --format whatsapp-android --messages 1000000 --seed 7 --out wa.txt
    python -m benchmarks.corpus --format wechatmsg-csv --messages 20000 --out wx.csv --truth wx.truth.jsonl

    from benchmarks.corpus import generate
    stats = generate("telegram-json", 50_000, "result.json", seed=3, truth_path="truth.jsonl")

Standard library only. The same (format, messages, seed, start, tz, hour12, mix) always gives the
same bytes, on any machine (nothing depends on hash randomisation, the wall clock or the locale).
Output is streamed in chunks of a few thousand messages; memory stays bounded whatever the size
(the only things that grow are the participant objects, about one per conversation/customer).

Formats (layouts follow ``/work/shared/FORMATS.md`` and the real samples):

``whatsapp-android``  ``DD/MM/YYYY, HH:MM - Name: text``; minute precision; system lines without
    ``Name:`` (e2e notice, ``… created group``, ``… added …``, ``… joined using this group's invite
    link``); ``<Media omitted>``; ``location: https://maps.google.com/?q=…``; ``This message was
    deleted`` / ``You deleted this message``; multi-line bodies. ``hour12``: ``9:05\u202fpm``.
``whatsapp-ios``  ``[DD/MM/YYYY, HH:MM:SS] Name: text``; system events are written as sent by the
    group name with a U+200E-prefixed body; ``\u200eimage omitted`` (audio/video/sticker/document);
    phone-number senders wrapped in U+202A…U+202C. ``hour12``: ``9:05:02\u202fPM``.
``wechat-pywxdump-csv``  PyWxDump 2024 CSV (no BOM, CRLF rows from ``csv.writer``):
    ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime``; ``talker`` is ``我``
    for the owner's messages (as PyWxDump does), the member wxid in groups, the contact wxid in
    1:1 chats and ``未知`` for group system notices; ``msg`` rendered as PyWxDump renders it
    (``语音时长：…秒``, ``转账：￥…\\n转账说明：…\\n转账时间：…\\n``, ``已收款：…``, quotes
    ``text\\n\\n[引用](time)name:quoted``, recalls as 系统通知 ``"张三" 撤回了一条消息``).
    Red packets use type_name ``红包`` as the brief asked; note that PyWxDump's own type table
    has no (49, 2001) entry and would print ``未知``.
``wechatmsg-csv``  WeChatMsg/留痕 v1 CSV, UTF-8 with BOM, CRLF rows:
    ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender``;
    raw XML in StrContent for non-text types (49/2000 transfers with ``wcpayinfo``, 49/57 quotes
    with ``refermsg``, 49/2001 red packets, 49/5 links, 49/6 files, 3/34/43/47/48 media).
    Rows are in CreateTime order across all conversations, like its "export all" file.
``telegram-json``  Telegram Desktop single-chat ``result.json`` (1-space indentation as Telegram
    writes it): ``text`` as a string or a mixed array with ``text_entities``, ``photo``, voice/video/
    sticker/file fields, ``location_information``, ``reply_to_message_id``, service messages with
    ``actor``/``action``. Deleted messages are absent, leaving gaps in ``id``.
``generic-jsonl``  ``{"chat", "sender", "time" (ISO-8601 with offset), "text", "kind"}`` per line;
    ``sender`` is null for system events.

What a corpus holds:

* Conversation types with seeded choice and configurable weights (``mix``): ``cs_zh`` (Chinese
  customer service: 客服 vs 顾客, 退货/物流/售后/发票/尺码/优惠券/订单号, apologies, closings, rude
  agents, angry customers), ``sales_zh`` (报价, 合同, 定金, 违约, 赔偿, transfers, red packets),
  ``personal_zh``, ``personal_en`` and ``support_en``. Texts come from templates with slot fillers
  (products, cities, couriers, sizes, money, order numbers, phone numbers, emoji, WeChat ``[捂脸]``
  codes, mixed Chinese/English/digits, full-width punctuation, some multi-line bodies including a
  continuation line that starts with a date).
* Timing: reply delays from mixtures (agents mostly 5-60 s with a tail to hours and slower
  08:00-09:00; agents only work 08:00-23:00 local so night questions are answered next morning);
  people rarely write 01:00-07:00 local.
* Same-sender same-second bursts, both distinct and identical (``好的`` ×3). WhatsApp Android only
  shows minutes, so there they are same-minute duplicates. Every one of them is a message.

One chat per file (WhatsApp, Telegram): the file is one big group (``客服中心 Customer Care``)
in which ``lanes`` threads run concurrently -- mostly customer-service sessions between an agent
and a customer, plus sales, chit-chat and English sessions -- so a large N gives many thousands of
participants and the time span stays in months (lanes grow with N). Customers join the group by
link or are added by an agent before their first message (system lines). The exporting phone
belongs to the first agent (``You`` in system lines).

Many conversations per file (WeChat CSVs, JSONL): each conversation is a 1:1 chat or group of one
type with 20-2000 messages (heavy-tailed, median about 35), made of sessions separated by hours or
days. The corpus is the union of the exports of several owner accounts (agents, sales people,
private persons). PyWxDump and JSONL files hold conversation after conversation (as concatenated
per-chat exports; ``id`` runs through the whole file); WeChatMsg interleaves them in time order.
The last conversations are cut short when N is reached.

The optional truth sidecar (``truth_path``) has one JSON object per written message, in file
order: ``i`` (0-based position), ``pid`` (platform id as written: MsgSvrID, localId, Telegram id;
null for text exports), ``conversation`` (room/wxid or chat title), ``conv_title``, ``session``,
``sender`` (the sender string as written: display name, ``talker``, ``Sender`` wxid; null for
system lines except on iOS, where it is the group name), ``sender_id`` (stable id: wxid, ``user…``,
or the display name; null for system lines), ``ts`` (UTC epoch seconds, exact even where the format
shows only minutes), ``kind`` (chatledger ``MessageKind`` values), ``text`` (the raw body exactly as
written: WeChatMsg XML, iOS U+200E marks, ``""`` for Telegram service messages), ``role`` (agent,
customer, friend, system), ``flags`` (``burst``, ``dup`` (identical burst copy), ``rude``,
``angry``, ``apology``, ``night``, ``first_reply`` (an agent's first answer in a session),
``multiline``, ``quote``, ``deleted_before`` (Telegram id gap), ``kind_hidden`` (Android
``<Media omitted>`` does not say which media)), ``delay_s`` (seconds since the other party's
previous message, 0 while the same person keeps talking) and ``reply_to`` (pid of the quoted
message: the true link, also where the format cannot express it, as in PyWxDump's text quotes).
"""

from __future__ import annotations

import argparse
import csv
import gc
import heapq
import json
import math
import os
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from json.encoder import encode_basestring as _js
from operator import itemgetter
from string import Formatter
from typing import IO, Any, Final
from zoneinfo import ZoneInfo

__all__ = ["DEFAULT_MIX", "FORMATS", "CorpusStats", "generate", "main"]

FORMATS: Final = (
    "whatsapp-android",
    "whatsapp-ios",
    "wechat-pywxdump-csv",
    "wechatmsg-csv",
    "telegram-json",
    "generic-jsonl",
)

CONV_TYPES: Final = ("cs_zh", "sales_zh", "personal_zh", "personal_en", "support_en")
DEFAULT_MIX: Final[Mapping[str, float]] = {
    "cs_zh": 0.40,
    "sales_zh": 0.15,
    "personal_zh": 0.25,
    "personal_en": 0.12,
    "support_en": 0.08,
}
_SINGLE_CHAT_MIX: Final[Mapping[str, float]] = {
    "cs_zh": 0.58,
    "sales_zh": 0.12,
    "personal_zh": 0.12,
    "personal_en": 0.08,
    "support_en": 0.10,
}

CHUNK: Final = 4096

# ---------------------------------------------------------------------------------------------
# Message records. A message is a small list (cheap to build, mutable so the engine can number it):
#   [idx, ts, conv, sender, kind, text, flags, delay_s, extra, session, pid]
# ---------------------------------------------------------------------------------------------

_Msg = list[Any]
M_IDX, M_TS, M_CONV, M_FROM, M_KIND, M_TEXT, M_FLAGS, M_DELAY, M_EXTRA, M_SESS, M_PID = range(11)

TEXT: Final = "text"
QUOTE: Final = "quote"  # a text that quotes an earlier message (truth kind: text + reply_to)
IMAGE: Final = "image"
VOICE: Final = "voice"
VIDEO: Final = "video"
STICKER: Final = "sticker"
FILE: Final = "file"
LINK: Final = "link"
LOCATION: Final = "location"
TRANSFER: Final = "transfer"
RED_PACKET: Final = "red_packet"
SYSTEM: Final = "system"
RECALL: Final = "recall"

_ALL_KINDS: Final = frozenset(
    {TEXT, QUOTE, IMAGE, VOICE, VIDEO, STICKER, FILE, LINK, LOCATION, TRANSFER, RED_PACKET, SYSTEM, RECALL}
)
_WECHAT_SYSTEM: Final = frozenset({"create", "add", "join", "friend", "redpacket_got"})  # system line kinds

F_BURST: Final = 1
F_DUP: Final = 2
F_RUDE: Final = 4
F_ANGRY: Final = 8
F_APOLOGY: Final = 16
F_NIGHT: Final = 32
F_FIRST_REPLY: Final = 64
F_MULTILINE: Final = 128
F_GAP_BEFORE: Final = 256
F_QUOTE: Final = 512
F_KIND_HIDDEN: Final = 1024  # the format does not say which kind (WhatsApp Android "<Media omitted>")
_FLAG_NAMES: Final = (
    (F_BURST, "burst"),
    (F_DUP, "dup"),
    (F_RUDE, "rude"),
    (F_ANGRY, "angry"),
    (F_APOLOGY, "apology"),
    (F_NIGHT, "night"),
    (F_FIRST_REPLY, "first_reply"),
    (F_MULTILINE, "multiline"),
    (F_GAP_BEFORE, "deleted_before"),
    (F_QUOTE, "quote"),
    (F_KIND_HIDDEN, "kind_hidden"),
)

# ---------------------------------------------------------------------------------------------
# Vocabulary. ``{slot}`` is filled when the text pools are built; ``{ORDER}``, ``{MONEY}``,
# ``{BIGMONEY}``, ``{PHONE}`` and ``{DATE}`` are filled per message so they stay unique.
# ---------------------------------------------------------------------------------------------

_DYNAMIC: Final = {"ORDER": "\x01", "MONEY": "\x02", "BIGMONEY": "\x03", "PHONE": "\x04", "DATE": "\x05"}

# fmt: off
SLOTS: Final[Mapping[str, Sequence[str]]] = {
    "product": (
        "羽绒服", "运动鞋", "连衣裙", "空气炸锅", "扫地机器人", "蓝牙耳机", "充电宝", "床垫", "咖啡机",
        "儿童书包", "面膜", "口红", "保温杯", "电动牙刷", "机械键盘", "显示器", "行李箱", "帆布鞋",
        "冲锋衣", "羊毛衫", "牛仔裤", "茶叶礼盒", "奶粉", "猫粮", "投影仪", "平板电脑", "智能手表",
        "电饭煲", "吹风机", "加湿器", "窗帘", "四件套", "洗碗机", "净水器", "护肤套装", "卫衣",
    ),
    "product_en": (
        "iPhone 15", "iPhone 15 Pro", "AirPods Pro", "iPad Air", "MacBook Air", "Switch", "Kindle",
        "小米14", "华为Mate 60", "Apple Watch", "Galaxy S24", "Dyson V12", "Nike Air Max", "PS5", "GoPro",
        "Redmi K70", "OPPO Find X7", "vivo X100", "Sony WH-1000XM5", "Lego 积木",
    ),
    "courier": ("顺丰", "中通", "圆通", "韵达", "京东物流", "邮政EMS", "申通", "极兔"),
    "city": (
        "上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "苏州", "天津",
        "长沙", "郑州", "青岛", "厦门", "昆明", "沈阳", "合肥", "济南", "福州", "宁波",
    ),
    "district": ("浦东新区", "朝阳区", "天河区", "南山区", "西湖区", "武侯区", "江汉区", "雁塔区", "鼓楼区"),
    "road": ("人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "科技园路", "长江路", "滨江大道"),
    "size": ("S", "M", "L", "XL", "XXL", "36码", "37码", "38码", "39码", "40码", "41码", "42码", "43码"),
    "color": ("黑色", "白色", "米色", "藏青色", "酒红色", "灰色", "卡其色", "浅蓝色", "粉色"),
    "shop": ("官方旗舰店", "优选小铺", "品牌直营店", "京选好物", "潮流服饰店", "家居生活馆", "数码专营店"),
    "company": (
        "上海云帆贸易有限公司", "杭州星河科技有限公司", "深圳前海汇通实业有限公司",
        "北京中科创达信息技术有限公司", "广州恒达物流有限公司", "成都天府智造有限公司",
        "苏州工业园区博锐电子有限公司", "宁波海纳进出口有限公司",
    ),
    "cname": ("李总", "陈经理", "刘姐", "张工", "王总", "赵老师", "孙经理", "周总", "吴姐", "郑工"),
    "days": ("1", "2", "3", "3-5", "5-7", "7", "10", "15"),
    "n": ("2", "3", "5", "6", "8", "10", "12", "15"),
    "qty": ("50", "100", "200", "300", "500", "1000", "2000", "5000"),
    "pct": ("5", "10", "15", "20", "30", "50"),
    "full": ("99", "199", "299", "399", "500", "1000"),
    "minus": ("10", "20", "30", "50", "80", "100"),
    "height": ("155", "160", "165", "168", "170", "172", "175", "178", "180", "185"),
    "weight": ("90", "95", "100", "110", "120", "130", "140", "150", "160"),
    "foot": ("23", "23.5", "24", "24.5", "25", "25.5", "26", "26.5", "27"),
    "waist": ("64", "68", "72", "76", "80", "84"),
    "num": ("8", "16", "28", "66", "88", "101", "128", "256", "1024"),
    "room": ("101", "302", "502", "1203", "1506", "2201"),
    "d3": ("800", "820", "888", "600", "100"),
    "d4": ("1234", "5678", "8899", "6666", "2020", "1688"),
    "time_zh": ("七点", "八点半", "下午三点", "明早九点", "中午", "晚上六点", "十点左右"),
    "date_zh": ("周三", "下周一", "本周五", "15号", "月底", "明天", "后天"),
    "place": (
        "星巴克", "老地方", "公司楼下", "地铁站", "万达广场", "海底捞", "学校门口", "南京西路", "太古里",
    ),
    "food": ("火锅", "烧烤", "日料", "麻辣烫", "小龙虾", "烤鱼", "串串", "东北菜"),
    "email": (
        "zhangwei@163.com", "lily2023@qq.com", "finance@yunfan.cn", "chen.j@126.com", "bill@xinghe.com",
    ),
    "tax": ("91310115MA1K4B2X3Q", "91330106MA2GL7QF0K", "914403003194729872", "91110108MA01R2L23A"),
    "day_en": ("Friday", "Saturday", "tomorrow", "tonight", "Sunday", "next week", "Monday"),
    "time_en": ("7", "7:30", "8pm", "noon", "6ish", "half past 5", "10"),
    "place_en": ("Starbucks", "the gym", "the office", "Joe's", "the station", "Blue Bottle", "the park"),
    "food_en": ("pizza", "sushi", "tacos", "ramen", "burgers", "thai food", "dim sum"),
    "thing_en": ("slides", "photos", "address", "link", "tickets", "report", "invoice", "menu"),
    "street_en": ("Main St", "5th Ave", "Oak Road", "Market St", "King St"),
    "city_en": ("London", "Toronto", "Sydney", "Berlin", "Singapore", "Austin", "Dublin"),
    "country_en": ("Canada", "Australia", "Germany", "the UK", "Singapore", "New Zealand"),
    "emo": (
        "", "", "", "", "😊", "🙏", "👍", "😂", "😭", "🤔", "😅", "👌", "🌹", "[微笑]", "[捂脸]", "[旺柴]",
        "[抱拳]", "[OK]", "[强]", "[呲牙]", "[愉快]", "[偷笑]", "～", "！",
    ),
    "ang": ("😡", "😤", "[发怒]", "！！", "？？？", "[抓狂]", "", "！！！"),
    "emo_en": ("", "", "", "🙂", "😂", "👍", "🎉", "❤️", "!", "😅"),
}

# Conversation-type vocabularies: intent -> templates.
INTENTS: Final[Mapping[str, Sequence[str]]] = {
    # --- customer service, customer side
    "cs_c_greet": (
        "在吗", "在吗？", "你好", "您好", "有人吗", "客服在吗{emo}", "亲，在吗", "你好，咨询一下", "hello",
        "在不在", "你好，我想问一下", "客服，在线吗", "您好，请问有人吗？", "你好，麻烦问下",
    ),
    "cs_c_return": (
        "我想退货，{product}尺码不合适", "{product}收到了有质量问题，怎么退货？",
        "这个{product}能七天无理由退吗", "退货运费谁出？", "我要退{product}，订单号{ORDER}",
        "{product_en} 退货", "{product} 退货怎么操作{emo}", "买的{color}{product}跟图片差太多了，我要退",
        "退款什么时候到账？已经{days}天了", "申请了退货怎么一直没人审核", "退货地址发我一下",
        "可以只退款不退货吗", "{product}拆封了还能退吗", "我刚下单就想取消，能退吗",
        "{product_en}屏幕坏点，要求退货退款", "退货申请被驳回了，为什么？",
    ),
    "cs_c_logistics": (
        "我的快递怎么还没到？", "订单{ORDER}到哪了", "物流{days}天没更新了", "能不能催一下{courier}",
        "什么时候发货啊", "我是{city}的，大概几天能到？", "快递显示已签收但是我没收到{emo}",
        "{courier}单号查不到信息", "能发{courier}吗？", "我下单{days}天了还没发货", "地址写错了，能改吗",
        "可以送货上门吗，我{time_zh}之后在家", "物流一直显示在{city}中转",
        "订单信息：\n{DATE} 12:30 下单\n{product} ×1\n到现在还没发货",
    ),
    "cs_c_aftersale": (
        "{product}用了{days}天就坏了", "售后电话多少", "保修期多久？", "能换新吗", "{product}充不进电",
        "收到的{product}屏幕有划痕", "{product_en}开不了机怎么办", "少发了一件{product}", "配件缺了一个",
        "这个{product}有异味，正常吗", "安装师傅什么时候上门", "{product_en} 售后 怎么走流程",
    ),
    "cs_c_invoice": (
        "能开发票吗", "发票抬头写{company}", "税号{tax}", "电子发票发我邮箱 {email}", "开专票还是普票？",
        "发票什么时候能开好", "发票金额能写￥{MONEY}吗", "公司报销要发票，麻烦尽快",
        "发票信息：\n抬头：{company}\n税号：{tax}",
    ),
    "cs_c_size": (
        "我身高{height}体重{weight}斤穿什么码", "{product}偏大还是偏小", "{size}和{size}选哪个",
        "脚长{foot}cm穿多大", "这件{color}的还有{size}吗", "平时穿{size}，这款要拍大一码吗",
    ),
    "cs_c_coupon": (
        "优惠券怎么用不了", "满{full}减{minus}的券在哪领", "还有没有优惠", "能便宜点吗", "会员有折扣吗",
        "领的券显示已过期", "下单的时候忘了用券，能退差价吗", "昨天买的今天降价了{emo}，能补差价吗",
        "{product_en} 有没有 coupon", "双十一还会降价吗",
    ),
    "cs_c_order": (
        "订单号{ORDER}", "{ORDER}", "单号是{ORDER}，麻烦查一下", "订单 {ORDER}", "订单号：{ORDER}",
        "这个 {ORDER}", "手机号{PHONE}下的单", "{ORDER} 这个订单",
    ),
    "cs_c_address": (
        "收货地址改成：\n{city}{district}{road}{num}号\n{PHONE}",
        "地址：{city}{district}{road}{num}号{room}室\n电话：{PHONE}",
        "新地址\n{city}{district}{road}{num}号\n收件人电话{PHONE}",
    ),
    "cs_c_anger": (
        "太差了", "什么破服务", "我要投诉", "等了{days}天了还没人处理！", "你们就是骗子",
        "再不解决我就去12315投诉", "差评！", "气死我了{ang}", "太差了，再也不买了{ang}",
        "能不能找个会说话的人来", "你们这是什么态度", "我要投诉你！！", "退钱！",
        "说好的{days}天，现在都多久了？{ang}", "态度太差了", "我已经问了三遍了",
    ),
    "cs_c_confirm": (
        "好的谢谢", "好的", "解决了，谢谢", "行，那我等等", "收到", "明白了", "OK", "好的{emo}", "嗯嗯",
        "谢谢亲", "好的，辛苦了", "行吧", "OK的", "知道了，谢谢{emo}", "好的，那麻烦尽快处理",
        "谢谢，问题解决了",
    ),
    "cs_c_followup": (
        "还有一个问题", "那{product}呢？", "那大概要多久", "运费怎么算", "可以的话尽快", "怎么弄啊",
        "然后呢？", "那我现在要做什么", "确定吗？", "能快点吗", "那我的{product}呢", "要我拍照片吗",
    ),
    # --- customer service, agent side
    "cs_a_greet": (
        "您好，很高兴为您服务，请问有什么可以帮您？",
        "亲，您好，我是客服{agent}，请问有什么可以帮到您{emo}", "在的亲，请问有什么可以帮您",
        "您好，欢迎光临{shop}，{agent}为您服务", "您好，{agent}在的，请问您遇到了什么问题？",
        "亲亲您好，请问有什么需要帮助的吗", "您好，这里是{shop}售后，请讲", "您好，很高兴为您服务",
    ),
    "cs_a_ask_order": (
        "麻烦提供一下订单号哦", "亲，请发一下您的订单号，我帮您查询", "请问您的订单号是多少呢？",
        "方便提供下单手机号吗", "亲，麻烦把订单截图发我一下", "请提供一下订单号和收货人姓名",
    ),
    "cs_a_wait": (
        "请稍等，我帮您查一下", "稍等哦亲", "正在为您核实，请稍候", "好的，我这边帮您看看",
        "亲，稍等一下，我问下仓库", "收到，马上为您查询",
    ),
    "cs_a_return": (
        "支持七天无理由退货，请在订单页面点击申请退货", "亲，退货运费由我们承担，您选择上门取件就可以",
        "已为您登记退货，退款会在{days}个工作日内原路返回", "质量问题的话我们包来回运费的哦",
        "退货地址：{city}{district}{road}{num}号 {shop}售后部 收，电话{PHONE}",
        "您这边申请一下，我马上给您审核通过", "退款￥{MONEY}已经原路退回，请注意查收",
        "拆封不影响二次销售的话是可以退的",
    ),
    "cs_a_logistics": (
        "已为您查询，包裹目前在{city}转运中心，预计{days}天内送达", "已经帮您催促{courier}了",
        "您的订单已发货，{courier}单号{ORDER}", "仓库这边显示昨天已经发出了",
        "抱歉亲，近期快递量大，可能会有延迟", "我这边帮您联系快递员，稍后会有人联系您",
        "预计{time_zh}前派送，请保持电话畅通", "这边给您登记了加急，今天{time_zh}前发出",
    ),
    "cs_a_aftersale": (
        "您可以拍一下照片发给我们看看吗", "这边给您申请换新，新件{days}天内寄出",
        "保修期是一年，凭订单号就可以", "售后电话400-{d3}-{d4}，工作时间9:00-18:00",
        "麻烦提供一下视频，我们反馈给品控", "给您补发一件，不用退回了", "师傅会在{days}天内联系您上门安装",
    ),
    "cs_a_invoice": (
        "可以开的，请提供抬头和税号", "电子发票会在确认收货后{days}天内发到您的邮箱",
        "已为您开具电子普通发票，请查收", "专票需要提供开户行和账号哦", "发票已经重新开好了",
    ),
    "cs_a_size": (
        "根据您的身高体重建议选{size}", "这款偏小一码，建议拍大一码", "这款是标准码，按平时穿的选就可以",
        "{size}的话腰围是{waist}cm，您可以参考一下", "{color}的{size}还有货的亲",
    ),
    "cs_a_coupon": (
        "优惠券需要满{full}元才能使用哦", "您在店铺首页领取就可以", "目前有满{full}减{minus}的活动",
        "这边给您申请了一张{minus}元的无门槛券", "价格保护期内可以申请补差价￥{MONEY}",
        "会员下单可以享受95折",
    ),
    "cs_a_apology": (
        "非常抱歉给您带来不便", "真的很抱歉，让您久等了", "对不起亲，这是我们的失误",
        "非常抱歉，我们马上为您处理", "抱歉抱歉，刚才消息太多了", "实在不好意思，给您添麻烦了{emo}",
        "理解您的心情，非常抱歉",
    ),
    "cs_a_rude": (
        "不知道", "你问别人去吧", "自己看页面", "这个我管不了", "说了多少遍了", "爱买不买", "没办法",
        "系统就这样", "你自己不会看吗", "我也没办法，等着吧", "不归我管",
    ),
    "cs_a_closing": (
        "感谢您的耐心等待，祝您生活愉快", "还有其他可以帮您的吗？", "感谢您的支持，祝您购物愉快{emo}",
        "如果满意请给个五星好评哦", "好的亲，有问题随时联系我们", "不客气，祝您生活愉快",
        "感谢您的理解与支持",
    ),
    # --- sales
    "sa_s_intro": (
        "您好，我是{company}的销售，{product}的报价已经发您邮箱了",
        "{cname}您好，上次聊的{product}有新的报价了", "{cname}好，样品已经寄出，{courier}单号{ORDER}",
        "您好，加您了解一下采购需求，我们主营{product}和{product}",
        "{cname}，打扰了，新品{product_en}到货了",
    ),
    "sa_s_quote": (
        "这款单价￥{MONEY}，{qty}件起批", "报价单：{product} {qty}台 × ￥{MONEY}，含税含运费",
        "量大的话可以给到￥{MONEY}", "这个价格已经是最低了", "月底前下单有额外{pct}%折扣",
        "批发价￥{MONEY}/件，零售价￥{MONEY}", "{qty}件以上可以再优惠{pct}%",
        "报价：\n1. {product} ￥{MONEY}\n2. {product} ￥{MONEY}\n以上含13%增值税",
    ),
    "sa_s_contract": (
        "合同我这边已经盖章了，麻烦您确认一下", "合同第{n}条写的是{days}天内交货",
        "合同扫描件发您了，原件{courier}寄出", "补充协议我改好了，您看一下",
        "违约条款按行业惯例，日万分之五", "合同金额￥{BIGMONEY}，分两期付款",
    ),
    "sa_s_deposit": (
        "定金付{pct}%，余款发货前结清", "收到定金后{days}天排产", "定金￥{BIGMONEY}，麻烦转到对公账户",
        "尾款￥{BIGMONEY}，发货前付清就行", "定金收到了，谢谢{cname}",
    ),
    "sa_s_delivery": (
        "我们可以给您包邮", "交货期{days}天", "货已经发出了，{courier}单号{ORDER}",
        "仓库在排单，预计{date_zh}发货", "这批货明天装车", "延期的事非常抱歉，我们愿意按合同赔偿",
    ),
    "sa_s_push": (
        "{cname}，合同考虑得怎么样了？", "这个价格只保留到本周五", "您这边什么时候方便签合同？",
        "今天能确定的话我马上安排生产", "最近原材料涨价，下个月价格要调整了",
    ),
    "sa_c_ask": (
        "{qty}件什么价", "{product}多少钱一台", "有现货吗", "报价含税吗", "最快多久能发货",
        "能不能寄个样品", "{product_en} 有没有现货",
    ),
    "sa_c_bargain": (
        "价格能再优惠点吗", "别家才￥{MONEY}", "太贵了，再便宜点", "量大能不能给个实价", "能不能包运费",
        "付全款的话能再便宜多少",
    ),
    "sa_c_contract": (
        "合同条款我们法务还在看", "违约金怎么算？", "如果延期交货你们怎么赔偿", "我们下周签合同",
        "合同里要加上质量验收标准", "付款方式改成三七开可以吗",
    ),
    "sa_c_breach": (
        "按合同第{n}条，逾期要赔偿", "你们违约了，要按合同赔偿", "已经超过交货期{days}天了，违约金怎么算",
        "质量不达标，我们要求退货并赔偿损失", "这批货有{pct}%不合格，要么换货要么赔钱",
        "再不发货我们就要走法律程序了",
    ),
    "sa_c_paid": ("定金已经转了，你查收一下", "款打过去了", "财务已经付款了，回单发你", "尾款今天付"),
    "sa_c_invoice": ("能开专票吗", "发票要写{company}", "发票开13%的", "发票寄到公司，地址我发你"),
    "sa_ack": (
        "好的", "收到", "没问题", "可以", "行", "好的，我跟领导汇报一下", "明白", "好的，谢谢", "OK",
        "嗯嗯，好的",
    ),
    # --- personal, Chinese
    "pz_greet": (
        "在干嘛", "吃了吗", "早", "早上好{emo}", "在吗", "睡了没", "下班了吗", "到家了吗", "哈喽", "忙吗",
    ),
    "pz_plan": (
        "晚上一起吃{food}？", "周末有空吗", "明天几点", "{place}见", "我到了", "我在{place}门口",
        "大概{time_zh}到", "要不要一起去看电影", "周六去爬山吗", "明天下雨，改天吧", "几点出发？",
        "等我十分钟", "{date_zh}去{city}吗",
    ),
    "pz_chat": (
        "今天开会开了一下午，脑子都是懵的", "楼下新开了一家{food}店，周末要不要去试试",
        "我妈又催我找对象了{emo}", "刚下高铁，{city}比想象中冷多了",
        "你上次说的那个{product}在哪买的，发我链接", "周末大扫除，累死了，腰疼", "我们小区今天停水，烦死了",
        "这周末{place}有活动，要不要一起去看看", "刚看完那部电影，结局太意外了", "今天好累",
        "下雨了记得带伞", "妈，我周末回家", "生日快乐🎂", "刚看到", "你看群里了吗", "老板又让加班{emo}",
        "最近在追一个剧，超好看", "我减肥失败了哈哈哈", "{product}到了，挺好用的", "今天地铁超挤",
        "这周末回老家", "猫又把杯子打碎了", "房租又涨了", "你那边冷不冷", "我刚跑完步，5公里",
        "考试过了！！", "周末去{city}玩了两天", "明天记得带身份证", "这个好好笑{emo}", "晚饭吃啥",
        "我在排队，人好多", "{product_en}降价了，要不要入", "刚买了{product}，{MONEY}块", "今天{city}好热",
        "我把照片发群里了",
    ),
    "pz_react": (
        "哈哈哈哈", "哈哈哈", "笑死我了", "真的假的", "绝了", "太可以了", "啊？", "6", "牛", "好家伙",
        "我也是", "可以可以", "[捂脸]", "[旺柴]", "[偷笑]", "😂😂😂", "真的吗", "天哪",
    ),
    "pz_ack": ("好的", "嗯嗯", "行", "OK", "好", "收到", "没问题", "可以", "嗯", "好滴"),
    "pz_night": ("晚安", "我先睡了", "晚安{emo}", "早点睡", "明天聊", "睡了睡了"),
    # --- personal, English
    "en_greet": ("hey", "hi!", "what's up", "morning {emo_en}", "you around?", "hey, got a sec?", "yo"),
    "en_plan": (
        "are we still on for {day_en}?", "running {n} min late, sorry", "I'll be there at {time_en}",
        "let's grab coffee at {place_en}", "wanna get {food_en} tonight?", "meet at {place_en}?",
        "what time works for you?", "can we move it to {day_en}?",
    ),
    "en_chat": (
        "the meeting ran over again, I'm starving",
        "there's a new {food_en} place near {place_en}, we should try it",
        "my mom keeps asking when you're coming over", "just got off the train, it's freezing in {city_en}",
        "where did you get that {product_en}? send me the link",
        "can't believe how long the line at {place_en} was", "can you send me the {thing_en}?",
        "did you see the game last night", "happy birthday! 🎉", "just landed",
        "the {thing_en} is in the shared folder", "omg this is hilarious", "traffic is insane today",
        "I finally finished the report", "my flight got delayed again", "check this out",
        "the new place on {street_en} is actually good", "I left my keys at your place",
        "got the {product_en}, it's great {emo_en}", "it's so cold in {city_en} today",
    ),
    "en_react": (
        "lol", "haha", "hahaha", "no way", "nice!", "wow", "😂", "same", "omg", "true", "for real?",
        "that's wild",
    ),
    "en_ack": (
        "ok", "sounds good", "thanks!", "sure", "cool", "yep", "got it", "ok 👍", "perfect", "see you then",
    ),
    "en_bye": ("see you tomorrow", "good night", "night!", "talk later", "ttyl", "bye!"),
    # --- support, English
    "es_c_ask": (
        "Hi, my order #{ORDER} hasn't arrived yet", "I'd like a refund for the {product_en}",
        "The {product_en} I received is damaged", "How long does shipping to {city_en} take?",
        "Can I change my delivery address?", "My coupon code doesn't work",
        "Where is my package? Tracking hasn't updated in {days} days", "Do you ship to {country_en}?",
    ),
    "es_a_greet": (
        "Hi there, thanks for reaching out! How can I help?",
        "Hello, this is {agent} from support. What can I do for you?", "Hi! Happy to help today.",
    ),
    "es_a_ask_order": (
        "Could you share your order number?", "Can you send me the email you ordered with?",
        "Please send a photo of the item, if possible.",
    ),
    "es_a_answer": (
        "Your refund of ${MONEY} has been processed, it takes {days} business days",
        "I've escalated this to our shipping team",
        "Your package is in {city_en} and should arrive within {days} days",
        "I've sent you a prepaid return label", "A replacement is on the way, tracking number {ORDER}",
        "I've applied a {pct}% discount to your next order",
    ),
    "es_a_sorry": (
        "Sorry for the inconvenience", "I apologize for the delay", "So sorry about that!",
        "I understand your frustration, let me fix this",
    ),
    "es_a_rude": (
        "I don't know", "Not my department", "Read the FAQ", "Nothing I can do", "Ask someone else",
    ),
    "es_c_angry": (
        "This is ridiculous", "Worst service ever", "I want to speak to a manager",
        "I've been waiting for {days} days!!", "I'm filing a complaint",
    ),
    "es_c_thanks": ("thanks!", "ok thank you", "great, thanks for your help", "perfect, that works", "ok"),
    "es_a_close": (
        "Anything else I can help with?", "Thanks for your patience, have a great day!",
        "Glad I could help. Have a nice day!",
    ),
    # --- fillers wrapped around other intents (see _AFFIX)
    "pre_c_zh": (
        "你好，", "亲，", "麻烦问一下，", "那个，", "不好意思，", "请问", "我想问下，", "对了，", "客服，",
        "喂，", "我上周在你们店买的{product}，", "昨天下的单，", "我买的{color}{product}，",
        "订单{ORDER}，", "收到货了，", "{DATE}买的{product_en}，", "我是{city}的，", "朋友推荐来的，",
        "第二次来问了，",
    ),
    "suf_c_zh": (
        "，谢谢", "，麻烦尽快", "，急！", "，在线等", "？", "，辛苦了", "哈", "～", " {emo}",
        "，麻烦帮我看看", "，有人吗", "，到底怎么回事", "，回复一下", "。谢谢！", "，今天能处理吗",
    ),
    "pre_a_zh": ("亲，", "您好，", "好的亲，", "嗯嗯，", "明白，", "亲亲，", "收到，", "了解，", "好的，"),
    "suf_a_zh": (
        "哦", "～", "，请您放心", "，有问题随时联系我", "，感谢理解", "，给您带来不便非常抱歉",
        "，请您留意短信通知", " {emo}", "，还有其他问题吗？", "，您看可以吗？",
    ),
    "pre_p_zh": ("哈哈，", "对了，", "我跟你说，", "诶，", "刚才", "话说", "嗯，", "天哪，"),
    "suf_p_zh": (" {emo}", "哈哈哈", "～", "！", "，你呢", "，好烦", "[捂脸]", "，绝了"),
    "pre_ok_zh": ("嗯，", "哦哦，", "那", "行，", "明白了，"),
    "suf_ok_zh": (
        "，那我等你们消息", "，麻烦你了", "，有问题再找你", "，下次还来你家买", "，那就这样吧",
        "，辛苦辛苦", "，我先去忙了", "，回头我看一下", "，尽快哈",
    ),
    "pre_en": ("btw ", "oh and ", "also, ", "hey, ", "honestly ", "ok so ", "sorry, "),
    "suf_en": (" {emo_en}", " lol", "!", " haha", ", right?", " tbh", " 🙏", "..."),
    # --- bursts
    "burst_same_zh": (
        "好的", "在吗", "？", "谢谢", "哈哈哈", "收到", "嗯嗯", "快点", "人呢", "[捂脸]", "好的好的",
        "？？",
    ),
    "burst_same_en": ("ok", "??", "lol", "thanks", "hello?", "yes", "haha"),
    "burst_more_zh": (
        "在吗", "？", "人呢", "急", "快点回复", "麻烦看一下", "等你回复", "在不在", "回一下", "我等着呢",
        "就是这个", "对", "还有", "然后", "对吧", "嗯", "是的",
    ),
    "burst_more_en": ("?", "hello?", "anyone there", "also", "and", "pls", "asap", "right?", "yes"),
    # --- media captions, link texts, file names, wishes
    "link_zh": ("你看这个 {URL}", "{URL}", "{URL} 这个怎么样", "链接发你了 {URL}", "{product}的链接：{URL}"),
    "link_en": ("check this out {URL}", "{URL}", "{URL} what do you think?", "here's the link: {URL}"),
    "link_title": (
        "2024年最值得买的{product}", "【官方】{shop}新品上市", "{city}这家店太好吃了",
        "震惊！{product}原来要这样用", "{product_en} 开箱体验", "周末去哪玩｜{city}周边游攻略",
    ),
    "file_zh": (
        "报价单_{n}.xlsx", "销售合同_{n}.pdf", "产品目录2024.pdf", "发票_{n}.pdf", "验收报告.docx",
        "付款回单.jpg",
    ),
    "file_en": ("invoice_{n}.pdf", "slides.pptx", "itinerary.pdf", "report_final_v{n}.docx"),
    "memo_biz": ("定金", "货款", "尾款", "样品费", "运费", "第一期货款", "合同款", ""),
    "memo_personal": ("AA饭钱", "还你的", "生日快乐", "房租", "车费", "电影票", "奶茶钱", ""),
    "wish": ("恭喜发财，大吉大利", "新年快乐", "生日快乐", "辛苦了", "谢谢老板", "早日康复", "节日快乐"),
    "trans": ("好的我马上过来", "你到了给我打电话", "我在门口等你", "明天再说吧", "那个东西收到了"),
}

SURNAMES: Final = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
)
GIVEN: Final = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "浩", "宇", "欣怡", "子涵", "梓萱",
    "一诺", "宇轩", "浩然", "子轩", "雨桐", "思远", "佳怡", "晨曦", "博文", "嘉怡", "俊杰", "诗涵", "子墨",
    "梦琪", "雅婷", "晓东", "志强", "海燕", "丹", "萍", "鹏", "斌", "琳", "颖", "倩", "瑶", "婷婷", "晶",
    "凯", "阳", "辉", "鑫", "帆", "宁", "健", "亮", "莉", "萌", "慧", "玲", "晓明", "国强", "春梅", "海波",
    "丽华", "晓燕", "欢", "睿", "瑞", "博", "宏", "毅", "峰", "昊", "然", "悦", "琪", "彤", "岚", "蕾",
    "雯", "薇", "璐", "楠", "航", "旭", "晨", "哲", "航宇", "天佑", "佳琪", "雪", "冰", "露", "月", "星辰",
    "若曦", "紫涵", "一鸣", "家豪", "俊熙", "锦程", "泽宇", "美玲", "淑芬",
)
EN_FIRST: Final = (
    "James", "Mary", "John", "Linda", "David", "Sarah", "Michael", "Emily", "Daniel", "Jessica", "Chris",
    "Laura", "Kevin", "Anna", "Brian", "Rachel", "Tom", "Sophie", "Ryan", "Chloe", "Jason", "Megan", "Eric",
    "Hannah", "Mark", "Olivia", "Paul", "Grace", "Sam", "Lucy", "Alex", "Ella", "Ben", "Zoe", "Jack", "Mia",
    "Luke", "Amy", "Adam", "Kate",
)
EN_LAST: Final = (
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Lewis", "Walker", "Hall",
    "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter", "Mitchell",
    "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart",
    "Murphy", "Cook", "Lee", "Chen", "Wong",
)
AGENT_NICKS: Final = (
    "小美", "小雪", "阿杰", "小王", "小李", "晓晓", "小鱼", "安安", "糖糖", "乐乐", "小可", "小七", "阿宁",
    "小舟", "可乐", "布丁", "小暖", "小蓝", "木木", "团团", "果果", "米粒", "橙子", "小满", "豆豆",
)
NICKNAMES: Final = (
    "🌸小雨", "Sunny", "向日葵", "老王", "A.张", "简单", "风一样的男子", "Lucky", "晴天", "追梦人",
    "快乐每一天", "平安是福", "木子", "Echo", "小太阳☀️", "一叶知秋", "Tom", "静待花开", "阿飞", "Coco",
    "海阔天空", "知足常乐", "Kevin", "Jenny",
)
PHONE_PREFIX: Final = ("138", "139", "136", "158", "186", "177", "150", "189", "135", "199")
GROUP_NAMES_ZH: Final = (
    "相亲相爱一家人", "大学同学群", "周末羽毛球", "业主群", "宝妈交流群", "老乡群", "项目对接群",
)
GROUP_NAMES_EN: Final = ("Family", "Book club", "Weekend hikes", "Flatmates", "Team lunch")
URL_FORMS: Final = (
    "https://item.taobao.com/item.htm?id={d12}", "https://mp.weixin.qq.com/s/{a22}",
    "https://www.bilibili.com/video/BV1{a9}", "https://v.douyin.com/{a7}/",
    "https://www.xiaohongshu.com/explore/{h24}", "https://item.jd.com/{d11}.html", "https://youtu.be/{a11}",
    "https://www.nytimes.com/2024/0{d1}/{d2}/world/story.html",
)
POIS: Final = (
    (31.230416, 121.473701, "上海市黄浦区人民大道", "人民广场"),
    (39.908823, 116.397470, "北京市东城区东长安街", "天安门"),
    (23.129110, 113.264385, "广州市天河区天河路", "天河城"),
    (22.543099, 114.057868, "深圳市福田区福华三路", "会展中心"),
    (30.274084, 120.155070, "杭州市西湖区龙井路", "西湖"),
    (30.572815, 104.066801, "成都市锦江区中纱帽街", "太古里"),
    (51.507351, -0.127758, "Trafalgar Square, London", "Trafalgar Square"),
    (40.758896, -73.985130, "Times Square, New York", "Times Square"),
)
STICKER_EMOJI: Final = ("😂", "👍", "❤️", "😭", "🙏", "🤔", "😎", "🎉", "😡", "🥰")

# fmt: on
_NAME_CHARS: Final = tuple(
    dict.fromkeys(c for c in "嘉梓语晗铭烨霖瑾芸菲蓉茜婉卓岩逸朗辰墨宸瑜璇" if c not in "".join(GIVEN))
)

_NOT_INCLUDED: Final = "(File not included. Change data exporting settings to download.)"
_ALNUM: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_B62: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SS: Final = tuple(f"{i:02d}" for i in range(60))

# Bijective id mixing (all multipliers are coprime with their moduli).
_PHONE_MUL: Final = 2654435761
_TG_MOD: Final = 8_000_000_000
_MASK128: Final = (1 << 128) - 1


def _mix62(x: int) -> int:
    """A bijection on 62-bit integers (xorshift-multiply), so mixed ids stay unique."""
    m = (1 << 62) - 1
    x &= m
    x ^= x >> 31
    x = (x * 0x7FB5D329728EA185) & m
    x ^= x >> 27
    x = (x * 0x81DADEF4BC2DD44D) & m
    x ^= x >> 33
    return x


def _hex32(x: int) -> str:
    return format(((x + 0x5BD1E995) * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _MASK128, "032x")


# ---------------------------------------------------------------------------------------------
# People and conversations
# ---------------------------------------------------------------------------------------------


class _Person:
    __slots__ = (
        "agent",
        "disp",
        "joined",
        "key",
        "lang",
        "name",
        "nick",
        "phone",
        "role",
        "seen",
        "uid",
        "work",
        "wxid",
    )

    def __init__(
        self, key: int, name: str, nick: str, role: str, lang: str, wxid: str, uid: str, phone: bool
    ) -> None:
        self.key = key
        self.name = name  # display name (remark); unique within a corpus
        self.nick = nick
        self.role = role  # agent, customer, friend
        self.lang = lang
        self.wxid = wxid
        self.phone = phone
        self.uid = uid
        self.agent = role == "agent"  # uses agent reply delays
        self.work = False  # keeps office hours 08:00-23:00
        self.disp = name  # the sender string the chosen format writes
        self.seen = False
        self.joined = False


class _Conv:
    __slots__ = ("ctype", "group", "key", "lang", "members", "owner", "room", "seen", "target", "title")

    def __init__(
        self, key: int, ctype: str, title: str, room: str, group: bool, owner: _Person, members: list[_Person]
    ) -> None:
        self.key = key
        self.ctype = ctype
        self.title = title
        self.room = room  # wxid / @chatroom id (WeChat), else the title
        self.group = group
        self.owner = owner  # the exporting account
        self.members = members  # everyone except the owner
        self.lang = "en" if ctype.endswith("_en") else "zh"
        self.target = 0
        self.seen = False


class _Pool:
    """The rendered texts of one intent; ``dyn``: some hold per-message slots, ``nick``: the speaker's name."""

    __slots__ = ("dyn", "items", "n", "nick")

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.n = len(items)
        self.dyn = any(ch in s for s in items for ch in "\x01\x02\x03\x04\x05\x06")
        self.nick = any("\x07" in s for s in items)


# ---------------------------------------------------------------------------------------------
# Formats: capabilities and writers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What ``generate`` wrote. Times are UTC epoch seconds; ``bytes`` is the output file size."""

    format: str
    path: str
    seed: int
    messages: int
    conversations: int
    sessions: int
    senders: int
    first_ts: int
    last_ts: int
    bytes: int
    elapsed_s: float

    @property
    def first_time(self) -> str:
        return datetime.fromtimestamp(self.first_ts, UTC).isoformat()

    @property
    def last_time(self) -> str:
        return datetime.fromtimestamp(self.last_ts, UTC).isoformat()

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["first_time"] = self.first_time
        d["last_time"] = self.last_time
        return d


class _Truth:
    """The JSONL ground-truth sidecar, written alongside the corpus (one hand-built JSON line per message)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.f: IO[str] = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
        self.buf: list[str] = []
        self.sender_id: Callable[[_Person], str] = lambda p: p.name
        self.flag_lists: dict[int, str] = {}

    def add(self, m: _Msg, kind: str, text: str, sender: str | None, pid: Any, reply_to: Any = None) -> None:
        who: _Person | None = m[M_FROM]
        conv: _Conv = m[M_CONV]
        fl = m[M_FLAGS]
        flags = self.flag_lists.get(fl)
        if flags is None:
            flags = self.flag_lists[fl] = json.dumps([name for bit, name in _FLAG_NAMES if fl & bit])
        self.buf.append(
            f'{{"i": {m[M_IDX]}, "pid": {_json_scalar(pid)}, "conversation": {_js(conv.room)}, '
            f'"conv_title": {_js(conv.title)}, "session": {m[M_SESS]}, "sender": {_json_scalar(sender)}, '
            f'"sender_id": {"null" if who is None else _js(self.sender_id(who))}, "ts": {m[M_TS]}, '
            f'"kind": "{kind}", "text": {_js(text)}, "role": "{"system" if who is None else who.role}", '
            f'"flags": {flags}, "delay_s": {m[M_DELAY]}, "reply_to": {_json_scalar(reply_to)}}}'
        )

    def flush(self) -> None:
        if self.buf:
            self.buf.append("")
            self.f.write("\n".join(self.buf))
            self.buf.clear()

    def close(self) -> None:
        self.flush()
        self.f.close()


def _json_scalar(v: Any) -> str:
    return "null" if v is None else _js(v) if isinstance(v, str) else str(v)


class _Writer:
    """Base writer: one per format; renders chunks of messages and streams them out."""

    name = ""
    encoding = "utf-8"
    caps: frozenset[str] = frozenset()
    sys_caps: frozenset[str] = frozenset()
    single_chat = False
    merged = True  # conversations interleaved in time order (else one after another)
    wants_wxid = False  # people need WeChat ids
    wants_uid = False  # people need Telegram ids

    def __init__(self, f: IO[str], tz: ZoneInfo, hour12: bool, truth: _Truth | None) -> None:
        self.f = f
        self.tz = tz
        self.hour12 = hour12
        self.truth = truth
        self._hk = -1  # the UTC hour the cached clock strings are for
        self._m0 = 0
        self._head = self._tail = ""

    def display(self, p: _Person) -> str:
        """The sender string this format writes for ``p``."""
        return p.name

    def sender_id(self, p: _Person) -> str:
        """The stable sender id an importer can recover from this format."""
        return p.disp

    def begin(self, chat: _Conv | None) -> None:
        return None

    def write_chunk(self, chunk: list[_Msg]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        return None

    # Local times: the zone is consulted once per UTC hour (offsets only change on hour boundaries
    # in practice); the minute and second are appended from tables.
    seconds = True

    def clock(self, y: int, mo: int, d: int, h: int, off: int) -> tuple[str, str]:
        """(head, tail) around ``MM[:SS]`` for one local hour; here ``YYYY-MM-DD HH:`` and nothing."""
        return f"{y}-{mo:02d}-{d:02d} {h:02d}:", ""

    def stamp(self, ts: int) -> str:
        """``ts`` as this format writes local times."""
        hk = ts // 3600
        if hk != self._hk:
            dt = datetime.fromtimestamp(hk * 3600, self.tz)
            self._hk = hk
            self._m0 = dt.minute
            self._head, self._tail = self.clock(dt.year, dt.month, dt.day, dt.hour, _offset(dt))
        mi = self._m0 + ts % 3600 // 60
        if mi >= 60:  # zones with a :30/:45 offset cross a local hour inside the UTC hour
            dt = datetime.fromtimestamp(ts, self.tz)
            head, tail = self.clock(dt.year, dt.month, dt.day, dt.hour, _offset(dt))
            return (
                f"{head}{_SS[dt.minute]}:{_SS[dt.second]}{tail}"
                if self.seconds
                else f"{head}{_SS[dt.minute]}{tail}"
            )
        if self.seconds:
            return f"{self._head}{_SS[mi]}:{_SS[ts % 60]}{self._tail}"
        return f"{self._head}{_SS[mi]}{self._tail}"


def _offset(dt: datetime) -> int:
    off = dt.utcoffset()
    return int(off.total_seconds()) if off else 0


# --- WhatsApp ----------------------------------------------------------------------------------

_WA_E2E: Final = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them."
)


def _wa_system(m: _Msg, owner: _Person, tail: str = "") -> str:
    sub, actor, target, title = m[M_EXTRA]
    a = "You" if actor is owner else (actor.disp if actor is not None else "")
    if sub == "e2e":
        return _WA_E2E + tail
    if sub == "create":
        return f'{a} created group "{title}"'
    if sub == "add":
        return f"{a} added {'you' if target is owner else target.disp}"
    return f"{target.disp} joined using this group's invite link"


class _WhatsAppAndroid(_Writer):
    name = "whatsapp-android"
    caps = frozenset({TEXT, IMAGE, VOICE, VIDEO, STICKER, FILE, LINK, LOCATION, RECALL, SYSTEM})
    sys_caps = frozenset({"e2e", "create", "add", "join"})
    single_chat = True
    seconds = False
    media = "<Media omitted>"

    def begin(self, chat: _Conv | None) -> None:
        assert chat is not None
        self.chat = chat

    def clock(self, y: int, mo: int, d: int, h: int, off: int) -> tuple[str, str]:
        if self.hour12:
            return f"{d:02d}/{mo:02d}/{y}, {h % 12 or 12}:", f"\u202f{'pm' if h >= 12 else 'am'} - "
        return f"{d:02d}/{mo:02d}/{y}, {h:02d}:", " - "

    def body(self, m: _Msg, kind: str) -> str:
        who: _Person = m[M_FROM]
        if kind == LOCATION:
            lat, lon, _label, _poi = m[M_EXTRA]
            return f"location: https://maps.google.com/?q={lat},{lon}"
        if kind == RECALL:
            return "You deleted this message" if who is self.chat.owner else "This message was deleted"
        if kind == LINK:
            return str(m[M_TEXT])
        return self.media

    def write_chunk(self, chunk: list[_Msg]) -> None:
        out: list[str] = []
        add = out.append
        truth = self.truth
        stamp = self.stamp
        last = -1
        prefix = ""
        for m in chunk:
            ts = m[1]
            if ts != last:
                last = ts
                prefix = stamp(ts)
            kind = m[4]
            if kind is TEXT:
                who = m[3]
                body = m[5]
                add(f"{prefix}{who.disp}: {body}\n")
            elif kind is SYSTEM:
                body = _wa_system(m, self.chat.owner, " Tap to learn more.")
                who = None
                add(f"{prefix}{body}\n")
            else:
                who = m[3]
                body = self.body(m, kind)
                add(f"{prefix}{who.disp}: {body}\n")
            if truth is not None:
                if body is self.media:
                    m[6] |= F_KIND_HIDDEN
                truth.add(m, TEXT if kind is LINK else kind, body, None if who is None else who.disp, None)
        self.f.write("".join(out))


_IOS_MEDIA: Final = {
    IMAGE: "image omitted",
    VOICE: "audio omitted",
    VIDEO: "video omitted",
    STICKER: "sticker omitted",
}


class _WhatsAppIOS(_WhatsAppAndroid):
    name = "whatsapp-ios"

    def display(self, p: _Person) -> str:
        return f"\u202a{p.name}\u202c" if p.phone else p.name

    seconds = True

    def clock(self, y: int, mo: int, d: int, h: int, off: int) -> tuple[str, str]:
        if self.hour12:
            return f"[{d:02d}/{mo:02d}/{y}, {h % 12 or 12}:", f"\u202f{'PM' if h >= 12 else 'AM'}] "
        return f"[{d:02d}/{mo:02d}/{y}, {h:02d}:", "] "

    def body(self, m: _Msg, kind: str) -> str:
        who: _Person = m[M_FROM]
        if kind == LOCATION:
            lat, lon, _label, _poi = m[M_EXTRA]
            return f"\u200eLocation: https://maps.google.com/?q={lat},{lon}"
        if kind == RECALL:
            return (
                "\u200eYou deleted this message."
                if who is self.chat.owner
                else "\u200eThis message was deleted."
            )
        if kind == LINK:
            return str(m[M_TEXT])
        if kind == FILE:
            name, size = m[M_EXTRA]
            pages = 1 + size % 17
            return f"{name} • {pages} page{'s' if pages > 1 else ''} \u200edocument omitted"
        return "\u200e" + _IOS_MEDIA[kind]

    def write_chunk(self, chunk: list[_Msg]) -> None:
        out: list[str] = []
        add = out.append
        truth = self.truth
        title = self.chat.title
        stamp = self.stamp
        last = -1
        head = ""
        for m in chunk:
            ts = m[1]
            if ts != last:
                last = ts
                head = stamp(ts)
            kind = m[4]
            if kind is TEXT:
                who = m[3]
                body = m[5]
                add(f"{head}{who.disp}: {body}\n")
            elif kind is SYSTEM:
                who = None
                body = "\u200e" + _wa_system(m, self.chat.owner)
                add(f"{head}{title}: {body}\n")
            else:
                who = m[3]
                body = self.body(m, kind)
                add(f"{head}{who.disp}: {body}\n")
            if truth is not None:
                truth.add(m, TEXT if kind is LINK else kind, body, title if who is None else who.disp, None)
        self.f.write("".join(out))


# --- WeChat (shared rendering) -----------------------------------------------------------------


def _svrid(idx: int) -> str:
    """A 19-digit MsgSvrID, unique per message index."""
    return str(10**18 + _mix62(idx ^ 0x5EED))


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _wx_system_text(m: _Msg) -> str:
    conv: _Conv = m[M_CONV]
    owner = conv.owner
    sub, actor, target, _title = m[M_EXTRA]
    if sub == "friend":
        return f"你已添加了{target.name}，现在可以开始聊天了。"
    if sub == "redpacket_got":  # actor = who received, target = who sent
        if actor is owner:
            return f"你领取了{target.name}的红包"
        return f"{actor.name}领取了你的红包" if target is owner else f"{actor.name}领取了{target.name}的红包"
    a = "你" if actor is owner else f'"{actor.name}"' if actor is not None else ""
    if sub == "join":
        return f'"{target.name}"通过扫描{a}分享的二维码加入群聊'
    if sub == "create":
        return f"{a}邀请" + "、".join(f'"{p.name}"' for p in conv.members[:4]) + "加入了群聊"
    return f'{a}邀请"{target.name}"加入了群聊'


def _wx_recall_text(m: _Msg) -> str:
    who: _Person = m[M_FROM]
    return "你撤回了一条消息" if who is m[M_CONV].owner else f'"{who.name}" 撤回了一条消息'


class _WeChatBase(_Writer):
    wants_wxid = True

    def sender_id(self, p: _Person) -> str:
        return p.wxid

    caps = _ALL_KINDS
    sys_caps = _WECHAT_SYSTEM

    def begin(self, chat: _Conv | None) -> None:
        self.w = csv.writer(self.f)
        self.w.writerow(self.header)

    header: tuple[str, ...] = ()


_PYWX_TYPE: Final = {
    TEXT: "文本",
    QUOTE: "引用回复",
    IMAGE: "图片",
    VOICE: "语音",
    VIDEO: "视频",
    STICKER: "动画表情",
    FILE: "文件",
    LINK: "(分享)卡片式链接",
    LOCATION: "位置",
    TRANSFER: "转账",
    RED_PACKET: "红包",
    RECALL: "系统通知",
    SYSTEM: "系统通知",
}


class _PyWxDumpCSV(_WeChatBase):
    name = "wechat-pywxdump-csv"
    header = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime")
    merged = False

    def write_chunk(self, chunk: list[_Msg]) -> None:
        rows: list[tuple[Any, ...]] = []
        add = rows.append
        truth = self.truth
        stamp = self.stamp
        for m in chunk:
            idx = m[0]
            ts = m[1]
            conv: _Conv = m[2]
            who: _Person = m[3]
            kind = m[4]
            svr = _svrid(idx)
            m[10] = svr
            created = stamp(ts)
            own = who is conv.owner
            src = ""
            if kind is TEXT:
                msg = m[5]
            else:
                msg, src = self.render(m, kind, svr, created, own)
            if own:
                talker = "我"
            elif kind is SYSTEM or kind is RECALL:
                talker = "未知" if conv.group else conv.room
            else:
                talker = who.wxid if conv.group else conv.room
            add((idx + 1, svr, _PYWX_TYPE[kind], 1 if own else 0, talker, conv.room, msg, src, created))
            if truth is not None:
                ref = m[8][10] if kind is QUOTE else None
                truth.add(m, _truth_kind(kind), msg, talker, svr, ref)
        self.w.writerows(rows)

    def render(self, m: _Msg, kind: str, svr: str, created: str, own: bool) -> tuple[str, str]:
        conv: _Conv = m[M_CONV]
        idx = m[M_IDX]
        ex = m[M_EXTRA]
        y, mo = created[:4], created[5:7]
        if kind is QUOTE:
            ref: _Msg = ex
            quoted = ref[M_TEXT] if ref[M_KIND] is TEXT or ref[M_KIND] is QUOTE else _PYWX_TYPE[ref[M_KIND]]
            return f"{m[M_TEXT]}\n\n[引用]({self.stamp(ref[M_TS])}){ref[M_FROM].name}:{quoted}", ""
        if kind is IMAGE:
            return "图片", f"FileStorage\\MsgAttach\\{_hex32(conv.key)}\\Image\\{y}-{mo}\\{_hex32(idx)}.dat"
        if kind is VOICE:
            ms, trans = ex
            msg = f"语音时长：{ms / 1000:.2f}秒"
            if trans:
                msg += f"\n翻译结果：{trans}"
            stamp = created.replace(":", "-").replace(" ", "_")
            return msg, f"audio\\{conv.room}\\{stamp}_{1 if own else 0}_{svr}.wav"
        if kind is VIDEO:
            return "视频", f"FileStorage\\Video\\{y}-{mo}\\{_hex32(idx)}.mp4"
        if kind is STICKER:
            md5 = _hex32(idx % 997)
            return "表情", (
                f"http://wxapp.tc.qq.com/262/20304/stodownload?m={md5}&filekey=30350201010421301f0202010604025348"
                f"0410{md5}0203{idx % 99999:05d}040d00000004627466730000000131&hy=SH&storeid=32303232&bizid=1023"
            )
        if kind is FILE:
            name, _size = ex
            return "文件", f"FileStorage\\File\\{y}-{mo}\\{name}"
        if kind is LINK:
            title, des, url = ex
            return f'{title}\n{des}\n\n<a href="{url}">点击查看详情</a>', url
        if kind is LOCATION:
            lat, lon, label, poi = ex
            other = '{\n    "scale": "15",\n    "maptype": "roadmap",\n    "poiid": ""\n}'
            return f"纬度:【{lat}】 经度:【{lon}】\n位置：{label} {poi}\n其他信息：{other}", ""
        if kind is TRANSFER:
            amount, memo, _tid, begin, sub = ex
            head = "已收款" if sub == 3 else "转账"
            return f"{head}：￥{amount}\n转账说明：{memo}\n转账时间：{self.stamp(begin)}\n", ""
        if kind is RED_PACKET:
            return f"[红包]{ex}", ""
        if kind is RECALL:
            return _wx_recall_text(m), ""
        return _wx_system_text(m), ""


_WXMSG_TYPE: Final = {
    TEXT: (1, 0),
    QUOTE: (49, 57),
    IMAGE: (3, 0),
    VOICE: (34, 0),
    VIDEO: (43, 0),
    STICKER: (47, 0),
    FILE: (49, 6),
    LINK: (49, 5),
    LOCATION: (48, 0),
    TRANSFER: (49, 2000),
    RED_PACKET: (49, 2001),
    RECALL: (10000, 0),
    SYSTEM: (10000, 0),
}


class _WeChatMsgCSV(_WeChatBase):
    name = "wechatmsg-csv"
    encoding = "utf-8-sig"
    header = (
        "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime",
        "Remark", "NickName", "Sender",
    )  # fmt: skip

    def write_chunk(self, chunk: list[_Msg]) -> None:
        rows: list[tuple[Any, ...]] = []
        add = rows.append
        truth = self.truth
        stamp = self.stamp
        for m in chunk:
            idx = m[0]
            ts = m[1]
            conv: _Conv = m[2]
            who: _Person = m[3]
            kind = m[4]
            local_id = idx + 1
            m[10] = local_id
            own = who is conv.owner
            content = m[5] if kind is TEXT else self.render(m, kind, own)
            typ, sub = _WXMSG_TYPE[kind]
            if who is None:  # system notice: WeChatMsg fills the contact's details in 1:1 chats
                if conv.group:
                    remark = nick = sender = ""
                else:
                    c = conv.members[0]
                    remark, nick, sender = c.name, c.nick, c.wxid
            else:
                remark, nick, sender = who.name, who.nick, who.wxid
            add(
                (local_id, 1000 + conv.key, typ, sub, 1 if own else 0, ts, 2 if own else 3, content, stamp(ts),
                 remark, nick, sender)
            )  # fmt: skip
            if truth is not None:
                ref = m[8][10] if kind is QUOTE else None
                truth.add(m, _truth_kind(kind), content, sender or None, local_id, ref)
        self.w.writerows(rows)

    def render(self, m: _Msg, kind: str, own: bool) -> str:
        conv: _Conv = m[M_CONV]
        who: _Person = m[M_FROM]
        idx = m[M_IDX]
        ex = m[M_EXTRA]
        h = _hex32(idx)
        if kind is QUOTE:
            ref: _Msg = ex
            rk = ref[M_KIND]
            rtype = _WXMSG_TYPE[rk][0]
            quoted = ref[M_TEXT] if rk is TEXT or rk is QUOTE else ""
            return (
                '<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0">'
                f"<title>{_xml_escape(m[M_TEXT])}</title><des></des><type>57</type><url></url>"
                f"<refermsg><type>{rtype}</type><svrid>{_svrid(ref[M_IDX])}</svrid>"
                f"<fromusr>{conv.room}</fromusr><chatusr>{ref[M_FROM].wxid}</chatusr>"
                f"<displayname>{_xml_escape(ref[M_FROM].name)}</displayname>"
                f"<content>{_xml_escape(quoted)}</content><createtime>{ref[M_TS]}</createtime></refermsg>"
                f"</appmsg><fromusername>{who.wxid}</fromusername></msg>"
            )
        if kind is IMAGE:
            return (
                f'<?xml version="1.0"?>\n<msg>\n\t<img aeskey="{h}" encryver="1" cdnthumbaeskey="{h}" '
                f'cdnthumblength="{3000 + idx % 9000}" cdnthumbheight="120" cdnthumbwidth="90" '
                f'length="{50_000 + idx % 900_000}" md5="{_hex32(idx + 1)}" />\n</msg>\n'
            )
        if kind is VOICE:
            ms, _trans = ex
            return (
                f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" voicelength="{ms}" '
                f'length="{ms * 2}" bufid="0" aeskey="{h}" voiceurl="{h}{h[:16]}" voicemd5="" '
                f'clientmsgid="{h[:24]}" fromusername="{who.wxid}" /></msg>'
            )
        if kind is VIDEO:
            return (
                f'<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="{h}" cdnthumbaeskey="{h}" '
                f'length="{200_000 + idx % 5_000_000}" playlength="{ex}" md5="{_hex32(idx + 2)}" '
                f'fromusername="{who.wxid}" />\n</msg>\n'
            )
        if kind is STICKER:
            md5 = _hex32(idx % 997)
            return (
                f'<msg><emoji fromusername="{who.wxid}" tousername="{conv.room}" type="2" md5="{md5}" '
                f'len="{20_000 + idx % 80_000}" productid="" cdnurl="http://wxapp.tc.qq.com/262/20304/stodownload?'
                f'm={md5}&amp;filekey=3035020101&amp;hy=SH&amp;bizid=1023" width="240" height="240" /></msg>'
            )
        if kind is FILE:
            name, size = ex
            ext = name.rsplit(".", 1)[-1]
            return (
                f'<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0"><title>{_xml_escape(name)}</title>'
                f"<des></des><type>6</type><appattach><totallen>{size}</totallen><fileext>{ext}</fileext>"
                f"</appattach><md5>{h}</md5></appmsg><fromusername>{who.wxid}</fromusername></msg>"
            )
        if kind is LINK:
            title, des, url = ex
            return (
                f'<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0"><title>{_xml_escape(title)}</title>'
                f"<des>{_xml_escape(des)}</des><type>5</type><url>{_xml_escape(url)}</url></appmsg>"
                f"<fromusername>{who.wxid}</fromusername></msg>"
            )
        if kind is LOCATION:
            lat, lon, label, poi = ex
            return (
                f'<?xml version="1.0"?>\n<msg>\n\t<location x="{lat}" y="{lon}" scale="15" label="{label}" '
                f'maptype="roadmap" poiname="{poi}" poiid="" />\n</msg>\n'
            )
        if kind is TRANSFER:
            amount, memo, tid, begin, sub = ex
            title = "已收款" if sub == 3 else "微信转账"
            return (
                f'<msg><appmsg appid="" sdkver=""><title><![CDATA[{title}]]></title>'
                f"<des><![CDATA[收到转账{amount}元。如需收钱，请点此升级至最新版本]]></des>"
                f"<type>2000</type><url><![CDATA[https://support.weixin.qq.com/cgi-bin/mmsupport-bin/readtemplate?t=page/common_page__upgrade&text=text001&btn_text=btn_text_0]]></url>"
                f"<wcpayinfo><paysubtype>{sub}</paysubtype><feedesc><![CDATA[￥{amount}]]></feedesc>"
                f"<pay_memo><![CDATA[{memo}]]></pay_memo><transferid><![CDATA[{tid}]]></transferid>"
                f"<transcationid><![CDATA[{tid[::-1]}]]></transcationid>"
                f"<begintransfertime><![CDATA[{begin}]]></begintransfertime>"
                f"<invalidtime><![CDATA[{begin + 86400}]]></invalidtime><effectivedate><![CDATA[1]]></effectivedate>"
                f"</wcpayinfo></appmsg></msg>"
            )
        if kind is RED_PACKET:
            return (
                f'<msg><appmsg appid="" sdkver="0"><title><![CDATA[{ex}]]></title>'
                f"<des><![CDATA[我给你发了一个红包，赶紧去拆!]]></des><type>2001</type>"
                f"<wcpayinfo><templateid><![CDATA[{h[:24]}]]></templateid><scenetext><![CDATA[微信红包]]></scenetext>"
                f"<sendertitle><![CDATA[{ex}]]></sendertitle><nativeurl><![CDATA[wxpay://c2cbizmessagehandler/"
                f"hongbao/receivehongbao?msgtype=1&channelid=1&sendid={idx}]]></nativeurl></wcpayinfo></appmsg></msg>"
            )
        if kind is RECALL:
            return _wx_recall_text(m)
        return _wx_system_text(m)


def _truth_kind(kind: str) -> str:
    return TEXT if kind is QUOTE else kind


# --- Telegram ----------------------------------------------------------------------------------


def _tg_obj(fields: Sequence[tuple[str, str]], indent: str = "  ") -> str:
    """Pretty-print an object the way Telegram Desktop does (1 space per level); values are JSON text."""
    inner = indent + " "
    body = ",\n".join(f'{inner}"{k}": {v}' for k, v in fields)
    return f"{indent}{{\n{body}\n{indent}}}"


def _tg_text(parts: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(``text`` value, ``text_entities`` value) for pieces ``(entity type, text)``; 'plain' pieces are strings."""
    if len(parts) == 1 and parts[0][0] == "plain":
        t = _js(parts[0][1])
        return t, f'[\n    {{\n     "type": "plain",\n     "text": {t}\n    }}\n   ]'
    items = []
    ents = []
    for typ, s in parts:
        e = _js(s)
        items.append(e if typ == "plain" else f'{{\n     "type": "{typ}",\n     "text": {e}\n    }}')
        ents.append(f'{{\n     "type": "{typ}",\n     "text": {e}\n    }}')
    return "[\n    " + ",\n    ".join(items) + "\n   ]", "[\n    " + ",\n    ".join(ents) + "\n   ]"


class _TelegramJSON(_Writer):
    name = "telegram-json"
    caps = frozenset({TEXT, QUOTE, IMAGE, VOICE, VIDEO, STICKER, FILE, LINK, LOCATION, SYSTEM})
    sys_caps = frozenset({"create", "add", "join"})
    single_chat = True
    wants_uid = True

    def clock(self, y: int, mo: int, d: int, h: int, off: int) -> tuple[str, str]:
        return f"{y}-{mo:02d}-{d:02d}T{h:02d}:", ""

    def display(self, p: _Person) -> str:
        return p.nick + " " + p.name[-4:] if p.phone else p.name

    def sender_id(self, p: _Person) -> str:
        return p.uid

    def begin(self, chat: _Conv | None) -> None:
        assert chat is not None
        self.chat = chat
        self.first = True
        self.gap = 0
        self.f.write(
            f'{{\n "name": {_js(chat.title)},\n "type": "private_supergroup",\n "id": {1_700_000_000 + chat.key},\n'
            ' "messages": [\n'
        )

    def end(self) -> None:
        self.f.write("\n ]\n}\n")

    def write_chunk(self, chunk: list[_Msg]) -> None:
        out: list[str] = []
        add = out.append
        truth = self.truth
        gap = self.gap
        for m in chunk:
            ts = m[1]
            if m[6] & F_GAP_BEFORE:
                gap += 1
            tid = m[0] + 1 + gap
            m[10] = tid
            date_s = self.stamp(ts)
            kind = m[4]
            who: _Person = m[3]
            if kind is TEXT:
                text = m[5]
                t = _js(text)
                add(
                    f'  {{\n   "id": {tid},\n   "type": "message",\n   "date": "{date_s}",\n'
                    f'   "date_unixtime": "{ts}",\n   "from": {_js(who.disp)},\n   "from_id": "{who.uid}",\n'
                    f'   "text": {t},\n   "text_entities": [\n    {{\n     "type": "plain",\n     "text": {t}\n'
                    "    }\n   ]\n  }"
                )
                ref = None
            else:
                text, ref, block = self.render(m, kind, tid, date_s, ts)
                add(block)
            if truth is not None:
                truth.add(
                    m, _truth_kind(kind) if kind is not LINK else TEXT, text,
                    None if kind is SYSTEM else who.disp, tid, ref,
                )  # fmt: skip
        if out:
            self.f.write(("" if self.first else ",\n") + ",\n".join(out))
            self.first = False
        self.gap = gap

    def render(self, m: _Msg, kind: str, tid: int, date_s: str, ts: int) -> tuple[str, Any, str]:
        who: _Person = m[M_FROM]
        ex = m[M_EXTRA]
        idx = m[M_IDX]
        head = [("id", str(tid))]
        if kind is SYSTEM:
            sub, actor, target, title = ex
            head += [("type", '"service"'), ("date", f'"{date_s}"'), ("date_unixtime", f'"{ts}"')]
            if sub == "create":
                members = _js(actor.disp)
                head += [
                    ("actor", _js(actor.disp)), ("actor_id", f'"{actor.uid}"'), ("action", '"create_group"'),
                    ("title", _js(title)), ("members", f"[\n    {members}\n   ]"),
                ]  # fmt: skip
            elif sub == "add":
                head += [
                    ("actor", _js(actor.disp)), ("actor_id", f'"{actor.uid}"'), ("action", '"invite_members"'),
                    ("members", f"[\n    {_js(target.disp)}\n   ]"),
                ]  # fmt: skip
            else:
                head += [
                    ("actor", _js(target.disp)), ("actor_id", f'"{target.uid}"'), ("action", '"join_group_by_link"'),
                    ("inviter", '"Group"'),
                ]  # fmt: skip
            head += [("text", '""'), ("text_entities", "[]")]
            return "", None, _tg_obj(head)
        head += [
            ("type", '"message"'), ("date", f'"{date_s}"'), ("date_unixtime", f'"{ts}"'),
            ("from", _js(who.disp)), ("from_id", f'"{who.uid}"'),
        ]  # fmt: skip
        text = str(m[M_TEXT])
        ref = None
        parts: list[tuple[str, str]] = [("plain", text)] if text else []
        if kind is QUOTE:
            ref = ex[M_PID]
            head.append(("reply_to_message_id", str(ref)))
        elif kind is IMAGE:
            head += [
                ("photo", f'"{_NOT_INCLUDED}"'), ("photo_file_size", str(40_000 + idx % 300_000)),
                ("width", "1280" if idx % 3 else "960"), ("height", "960" if idx % 3 else "1280"),
            ]  # fmt: skip
        elif kind is VOICE:
            head += [
                ("file", f'"{_NOT_INCLUDED}"'), ("file_size", str(ex[0] * 2)), ("media_type", '"voice_message"'),
                ("mime_type", '"audio/ogg"'), ("duration_seconds", str(max(1, ex[0] // 1000))),
            ]  # fmt: skip
        elif kind is VIDEO:
            head += [
                ("file", f'"{_NOT_INCLUDED}"'), ("file_size", str(500_000 + idx % 9_000_000)),
                ("thumbnail", f'"{_NOT_INCLUDED}"'), ("thumbnail_file_size", str(9000 + idx % 20_000)),
                ("media_type", '"video_file"'), ("mime_type", '"video/mp4"'), ("duration_seconds", str(ex)),
                ("width", "1280"), ("height", "720"),
            ]  # fmt: skip
        elif kind is STICKER:
            head += [
                ("file", f'"{_NOT_INCLUDED}"'), ("file_size", str(20_000 + idx % 40_000)),
                ("thumbnail", f'"{_NOT_INCLUDED}"'), ("thumbnail_file_size", str(4000 + idx % 6000)),
                ("media_type", '"sticker"'), ("sticker_emoji", _js(STICKER_EMOJI[idx % len(STICKER_EMOJI)])),
                ("width", "512"), ("height", "512"),
            ]  # fmt: skip
        elif kind is FILE:
            name, size = ex
            mime = "application/pdf" if name.endswith(".pdf") else "application/octet-stream"
            head += [
                ("file", f'"{_NOT_INCLUDED}"'), ("file_name", _js(name)), ("file_size", str(size)),
                ("mime_type", f'"{mime}"'),
            ]  # fmt: skip
        elif kind is LOCATION:
            lat, lon, _label, _poi = ex
            head.append(
                ("location_information", f'{{\n    "latitude": {lat},\n    "longitude": {lon}\n   }}')
            )
            parts = []
            text = ""
        elif kind is LINK:
            url = ex[2]
            pre, _, post = text.partition(url)
            parts = [p for p in (("plain", pre), ("link", url), ("plain", post)) if p[1]]
        if parts:
            t, ents = _tg_text(parts)
        else:
            t, ents = '""', "[]"
        head += [("text", t), ("text_entities", ents)]
        return text, ref, _tg_obj(head)


# --- generic JSONL -----------------------------------------------------------------------------


class _GenericJSONL(_Writer):
    name = "generic-jsonl"
    caps = _ALL_KINDS
    sys_caps = _WECHAT_SYSTEM
    merged = False

    def clock(self, y: int, mo: int, d: int, h: int, off: int) -> tuple[str, str]:
        sign = "-" if off < 0 else "+"
        off = abs(off)
        return f"{y}-{mo:02d}-{d:02d}T{h:02d}:", f"{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"

    def write_chunk(self, chunk: list[_Msg]) -> None:
        out: list[str] = []
        add = out.append
        truth = self.truth
        stamp = self.stamp
        last_conv: _Conv | None = None
        chat = ""
        for m in chunk:
            ts = m[1]
            conv: _Conv = m[2]
            if conv is not last_conv:
                last_conv = conv
                chat = _js(conv.title)
            kind = m[4]
            who: _Person = m[3]
            text = m[5] if kind is TEXT else self.render(m, kind)
            tk = _truth_kind(kind)
            sender = "null" if kind is SYSTEM else _js(who.disp)
            add(
                f'{{"chat": {chat}, "sender": {sender}, "time": "{stamp(ts)}", '
                f'"text": {_js(text)}, "kind": "{tk}"}}\n'
            )
            if truth is not None:
                truth.add(m, tk, text, None if kind is SYSTEM else who.disp, None)
        self.f.write("".join(out))

    def render(self, m: _Msg, kind: str) -> str:
        conv: _Conv = m[M_CONV]
        ex = m[M_EXTRA]
        if kind is SYSTEM:
            if conv.lang == "zh":
                return _wx_system_text(m)
            sub, actor, target, title = ex
            if sub == "create":
                return f'{actor.name} created group "{title}"'
            if sub in ("add", "friend"):
                return f"{actor.name} added {target.name}"
            if sub == "redpacket_got":
                return f"{actor.name} opened {target.name}'s red packet"
            return f"{target.name} joined using an invite link"
        if kind is RECALL:
            return _wx_recall_text(m) if conv.lang == "zh" else "This message was deleted"
        if kind is TRANSFER:
            amount, memo, _tid, _begin, sub = ex
            return f"{'已收款' if sub == 3 else '转账'} ￥{amount} {memo}".rstrip()
        if kind is RED_PACKET:
            return str(ex)
        if kind is LOCATION:
            return f"{ex[3]} ({ex[2]}) {ex[0]},{ex[1]}"
        if kind is FILE:
            return str(ex[0])
        return str(m[M_TEXT])


_WRITERS: Final[Mapping[str, type[_Writer]]] = {
    w.name: w
    for w in (_WhatsAppAndroid, _WhatsAppIOS, _PyWxDumpCSV, _WeChatMsgCSV, _TelegramJSON, _GenericJSONL)
}


# ---------------------------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------------------------


def _mixture(rng: random.Random, parts: Sequence[tuple[float, float, float]], size: int = 4096) -> list[int]:
    """A lookup table of ``size`` delays (s) from a mixture of log-uniform ranges ``(weight, lo, hi)``."""
    total = sum(w for w, _, _ in parts)
    out: list[int] = []
    for w, lo, hi in parts:
        k = round(size * w / total)
        for _ in range(k):
            out.append(max(0, round(lo * (hi / lo) ** rng.random())))
    while len(out) < size:
        out.append(out[-1])
    del out[size:]
    rng.shuffle(out)
    return out


# intent -> (prefix pool, probability, suffix pool, probability)
_AFFIX: Final[Mapping[str, tuple[str, float, str, float]]] = {
    **{
        k: ("pre_c_zh", 0.5, "suf_c_zh", 0.4)
        for k in (
            "cs_c_return", "cs_c_logistics", "cs_c_aftersale", "cs_c_invoice", "cs_c_size", "cs_c_coupon",
            "cs_c_followup", "cs_c_anger", "sa_c_ask", "sa_c_bargain", "sa_c_contract", "sa_c_invoice",
        )
    },
    **{
        k: ("pre_a_zh", 0.45, "suf_a_zh", 0.45)
        for k in (
            "cs_a_ask_order", "cs_a_wait", "cs_a_return", "cs_a_logistics", "cs_a_aftersale", "cs_a_invoice",
            "cs_a_size", "cs_a_coupon", "sa_s_quote", "sa_s_contract", "sa_s_deposit", "sa_s_delivery",
        )
    },
    **{k: ("pre_p_zh", 0.35, "suf_p_zh", 0.35) for k in ("pz_chat", "pz_plan", "pz_react")},
    "cs_c_confirm": ("pre_ok_zh", 0.2, "suf_ok_zh", 0.5),
    "sa_ack": ("pre_ok_zh", 0.2, "suf_ok_zh", 0.4),
    **{k: ("pre_en", 0.3, "suf_en", 0.35) for k in ("en_chat", "en_plan", "es_c_ask", "es_c_angry")},
}  # fmt: skip


def _build_pools(rng: random.Random) -> dict[str, _Pool]:
    """Every intent's texts, with slots filled; fillers wrapped around the intents in ``_AFFIX``."""
    fmt = Formatter()
    pools: dict[str, _Pool] = {}
    for intent, templates in INTENTS.items():
        items: list[str] = []
        per = max(8, 1500 // len(templates))
        for tpl in templates:
            fields = [f for _, f, _, _ in fmt.parse(tpl) if f]
            reps = per if fields else 1
            seen: set[str] = set()
            for _ in range(reps):
                vals: dict[str, str] = {}
                for f in fields:
                    if f in _DYNAMIC:
                        vals[f] = _DYNAMIC[f]
                    elif f == "URL":
                        vals[f] = "\x06"
                    elif f == "agent":
                        vals[f] = "\x07"  # the speaking agent's own nickname
                    else:
                        vals[f] = rng.choice(SLOTS[f])
                s = tpl.format(**vals)
                if s not in seen:
                    seen.add(s)
                    items.append(s)
        pools[intent] = _Pool(items)
    # Wrap fillers around the intents that take them: a few variants of every text, drawn once.
    for intent, (pre, p_pre, suf, p_suf) in _AFFIX.items():
        pres = pools[pre].items
        sufs = pools[suf].items
        items = []
        seen = set()
        for base in pools[intent].items:
            for _ in range(5):
                s = base
                if rng.random() < p_pre:
                    a = rng.choice(pres)
                    if not s.startswith(a[:2]):
                        s = a + s
                if rng.random() < p_suf and s[-1] not in "？?！!。～~":
                    s += rng.choice(sufs)
                if s not in seen:
                    seen.add(s)
                    items.append(s)
        pools[intent] = _Pool(items)
    return pools


def _url(rng: random.Random) -> str:
    form = rng.choice(URL_FORMS)

    def rnd(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return form.format(
        d12=rnd("0123456789", 12), d11=rnd("0123456789", 11), d1=rng.randint(1, 9), d2=f"{rng.randint(1, 28):02d}",
        a22=rnd(_B62, 22), a9=rnd(_B62, 9), a7=rnd(_B62, 7), a11=rnd(_B62, 11), h24=rnd("0123456789abcdef", 24),
    )  # fmt: skip


@lru_cache(maxsize=8)
def _texts(seed: int) -> tuple[Mapping[str, _Pool], tuple[str, ...]]:
    """The text pools and URLs for a seed (their own RNG, so they can be cached and shared)."""
    rng = random.Random(f"chatledger-corpus-texts:{seed}")
    return _build_pools(rng), tuple(_url(rng) for _ in range(400))


class _Sim:
    """Builds sessions (lists of messages) for conversations; owns the seeded RNG and text pools."""

    def __init__(self, seed: int, writer: _Writer, t0: int, off: int, mix: Mapping[str, float]) -> None:
        rng = random.Random(f"chatledger-corpus:{seed}")
        self.U = rng.random
        self.bits = rng.getrandbits
        self.writer = writer
        self.caps = writer.caps
        self.sys_caps = writer.sys_caps
        self.t0 = t0
        self.off = off
        names = [c for c in CONV_TYPES if mix.get(c, 0) > 0]
        if not names:
            raise ValueError(f"mix has no positive weight for any of {', '.join(CONV_TYPES)}")
        self.ctypes = names
        acc = 0.0
        self.cum: list[float] = []
        for c in names:
            acc += mix[c]
            self.cum.append(acc)
        self.total_w = acc
        # Delay tables (seconds).
        self.agent_tbl = _mixture(
            rng, [(0.70, 5, 60), (0.17, 60, 300), (0.08, 300, 1800), (0.04, 1800, 7200), (0.01, 7200, 21600)]
        )
        self.other_tbl = _mixture(
            rng,
            [(0.50, 4, 60), (0.27, 60, 300), (0.13, 300, 1800), (0.07, 1800, 10800), (0.03, 10800, 43200)],
        )
        self.typing_tbl = _mixture(rng, [(0.12, 1, 2), (0.60, 2, 15), (0.28, 15, 60)])
        self.pools, self.urls = _texts(seed)
        # People.
        self.n_people = 0
        self.n_zh = 0
        self.n_en = 0
        self.n_phone = 0
        self.n_agent = 0
        self.n_conv = 0
        self.n_group = 0
        self.returning: dict[str, list[_Person]] = {"zh": [], "en": []}
        # Session state.
        self.msgs: list[_Msg] = []
        self.t = 0
        self.last: _Person | None = None
        self.conv: _Conv | None = None
        self.sid = 0
        self.n_sessions = 0
        self.pending = 0
        self.replied = False
        self.p_burst = 0.015

    # --- text -----------------------------------------------------------------------------------

    def pick(self, key: str) -> str:
        p = self.pools[key]
        s = p.items[int(self.U() * p.n)]
        if p.dyn:
            s = self._fill(s)
        return s

    def _fill(self, s: str) -> str:
        bits = self.bits
        if "\x01" in s:
            r = bits(3)
            if r < 3:
                y, mo, d = self._local_date(self.t)
                num = f"{y}{mo:02d}{d:02d}{bits(17) % 100000:05d}"
            elif r < 6:
                num = str(10**17 + bits(62) % (9 * 10**17))
            else:
                num = str(10**11 + bits(40) % (9 * 10**11))
            s = s.replace("\x01", num)
        while "\x02" in s:
            v = 9 + bits(16) % 990
            s = s.replace("\x02", f"{v}.00" if bits(1) else f"{v}.{bits(7) % 100:02d}", 1)
        while "\x03" in s:
            v = (1 + bits(10) % 200) * 500
            s = s.replace("\x03", f"{v:,}.00" if bits(1) else str(v), 1)
        if "\x04" in s:
            s = s.replace("\x04", PHONE_PREFIX[bits(8) % 10] + f"{bits(27) % 100_000_000:08d}")
        if "\x05" in s:
            y, mo, d = self._local_date(self.t - 86400 * (1 + bits(3)))
            s = s.replace("\x05", f"{d:02d}/{mo:02d}/{y}")
        if "\x06" in s:
            s = s.replace("\x06", self.urls[bits(12) % len(self.urls)])
        return s

    def _local_date(self, ts: int) -> tuple[int, int, int]:
        d = datetime.fromtimestamp(ts + self.off, UTC)
        return d.year, d.month, d.day

    # --- people -----------------------------------------------------------------------------------

    def _wxid(self, key: int) -> str:
        x = _mix62(key + 0x2545F491)  # < 2**62 < 36**14: unique 14-character ids
        chars = []
        for _ in range(14):
            x, r = divmod(x, 36)
            chars.append(_ALNUM[r])
        if key % 9 == 4:  # old accounts have custom ids
            return (
                "".join(chars[:4]).replace("0", "o") + SLOTS["food_en"][key % 7].replace(" ", "") + str(key)
            )
        return "wxid_" + "".join(chars)

    def _person(
        self, name: str, role: str, lang: str, phone: bool = False, nick: str | None = None
    ) -> _Person:
        key = self.n_people
        self.n_people += 1
        w = self.writer
        wxid = self._wxid(key) if w.wants_wxid else ""
        uid = f"user{(key * _PHONE_MUL + 123_456_789) % _TG_MOD + 1_000_000_000}" if w.wants_uid else ""
        p = _Person(key, name, nick or NICKNAMES[(key * 7) % len(NICKNAMES)], role, lang, wxid, uid, phone)
        p.disp = self.writer.display(p)
        return p

    def _zh_name(self) -> str:
        """Unique names: surname + given name first, then surname + two characters no given name uses."""
        i = self.n_zh
        self.n_zh += 1
        ns = len(SURNAMES)
        cap = ns * len(GIVEN)
        if i < cap:
            j = (i * 7919 + 13) % cap
            return SURNAMES[j % ns] + GIVEN[j // ns]
        i -= cap
        nc = len(_NAME_CHARS)
        cap = ns * nc * nc
        j = (i * 7919 + 17) % cap
        name = SURNAMES[j % ns] + _NAME_CHARS[j // ns % nc] + _NAME_CHARS[j // (ns * nc)]
        return name if i < cap else f"{name}{i // cap + 1}"

    def _en_name(self) -> str:
        i = self.n_en
        self.n_en += 1
        cap = len(EN_FIRST) * len(EN_LAST)
        j = (i * 7919 + 29) % cap
        first, last = EN_FIRST[j % len(EN_FIRST)], EN_LAST[j // len(EN_FIRST)]
        if i < cap:
            return f"{first} {last}"
        middle = "ABCDEFGHIJKLMNOPRSTVW"[i // cap % 21]
        return f"{first} {middle}. {last}" + (f" {i // (cap * 21) + 1}" if i >= cap * 22 else "")

    def _phone_name(self, lang: str) -> str:
        i = self.n_phone
        self.n_phone += 1
        x = (i * _PHONE_MUL + 31) % 100_000_000
        if lang == "zh":
            return f"+86 {PHONE_PREFIX[i % 10]} {x // 10000:04d} {x % 10000:04d}"
        return f"+1 {200 + i % 700} {x // 10000 % 1000:03d} {x % 10000:04d}"

    def new_customer(self, lang: str) -> _Person:
        r = self.U()
        if r < 0.3:
            return self._person(self._phone_name(lang), "customer", lang, phone=True)
        if lang == "zh" and r < 0.35:
            return self._person(self._en_name(), "customer", lang)
        return self._person(self._zh_name() if lang == "zh" else self._en_name(), "customer", lang)

    def customer(self, lang: str) -> _Person:
        """A new customer (75 %) or a returning one."""
        pool = self.returning[lang]
        if pool and self.U() < 0.25:
            return pool[int(self.U() * len(pool))]
        p = self.new_customer(lang)
        if len(pool) < 5000:
            pool.append(p)
        else:
            pool[int(self.U() * 5000)] = p
        return p

    def new_agent(self, lang: str) -> _Person:
        i = self.n_agent
        self.n_agent += 1
        if lang == "zh":
            nick = AGENT_NICKS[i % len(AGENT_NICKS)]
            rnd = i // len(AGENT_NICKS)
            name = f"客服-{nick}" + (str(rnd + 1) if rnd else "")
        else:
            nick = EN_FIRST[(i * 7) % len(EN_FIRST)]
            name = f"{nick} (Support)" + (str(i // len(EN_FIRST) + 1) if i >= len(EN_FIRST) else "")
        p = self._person(name, "agent", lang, nick=nick)
        p.work = True
        return p

    def new_sales(self) -> _Person:
        return self._person("销售-" + self._zh_name(), "agent", "zh")

    def new_friend(self, lang: str) -> _Person:
        return self._person(self._zh_name() if lang == "zh" else self._en_name(), "friend", lang)

    # --- time -------------------------------------------------------------------------------------

    def _morning(self, t: int, hour: int, spread: int) -> int:
        """The next local ``hour``:00 (+ up to ``spread`` s) at or after ``t``."""
        local = t + self.off
        target = local - local % 86400 + hour * 3600
        if target <= local:
            target += 86400
        return target - self.off + int(self.U() * spread)

    # --- emitting ---------------------------------------------------------------------------------

    def begin(self, conv: _Conv, t: int) -> None:
        self.msgs = []
        self.t = t
        self.last = None
        self.conv = conv
        self.sid = self.n_sessions
        self.n_sessions += 1
        self.replied = False

    def say(self, who: _Person, text: str, flags: int = 0, kind: str = TEXT, extra: Any = None) -> _Msg:
        """Append a message by ``who``, timed after the previous one (typing pause or reply delay)."""
        t = self.t
        last = self.last
        off = self.off
        if last is None:
            delay = 0
        elif who is last:
            t += self.typing_tbl[self.bits(12)]
            delay = 0
        elif who.agent:
            delay = self.agent_tbl[self.bits(12)]
            if (t + off) // 3600 % 24 == 8:  # the morning backlog
                delay = delay * 5 // 2
            t += delay
            if not self.replied:
                self.replied = True
                flags |= F_FIRST_REPLY
        else:
            delay = self.other_tbl[self.bits(12)]
            t += delay
        h = (t + off) // 3600 % 24
        if h < 8 or h >= 23:
            if who.work:  # office hours 08:00-23:00: answered next morning
                t2 = self._morning(t, 8, 5400)
                if delay:
                    delay += t2 - t
                t = t2
            elif 1 <= h < 7:  # people mostly sleep
                if self.U() < 0.9:
                    t2 = self._morning(t, 7, 10800)
                    if delay:
                        delay += t2 - t
                    t = t2
                else:
                    flags |= F_NIGHT
        self.t = t
        self.last = who
        if self.pending:
            flags |= self.pending
            self.pending = 0
        m = [0, t, self.conv, who, kind, text, flags, delay, extra, self.sid, None]
        self.msgs.append(m)
        if kind is TEXT and self.U() < self.p_burst:
            self._burst(m)
        return m

    def _burst(self, m: _Msg) -> None:
        """Same sender, same second: copies of a short text, or a few distinct short follow-ups."""
        text: str = m[M_TEXT]
        who: _Person = m[M_FROM]
        n = 1 + self.bits(2) % 3
        append = self.msgs.append
        if len(text) <= 6 or who.agent:
            if who.agent:
                n = 1  # an agent double-sends by accident
            m[M_FLAGS] |= F_BURST
            for _ in range(n):
                append([0, m[M_TS], m[M_CONV], who, TEXT, text, F_BURST | F_DUP, 0, None, self.sid, None])
        elif not who.agent:
            m[M_FLAGS] |= F_BURST
            key = "burst_more_zh" if who.lang == "zh" else "burst_more_en"
            prev = text
            for _ in range(n):
                s = self.pick(key)
                if s == prev:
                    continue
                prev = s
                append([0, m[M_TS], m[M_CONV], who, TEXT, s, F_BURST, 0, None, self.sid, None])

    def same_burst(self, who: _Person) -> None:
        """An explicit identical burst such as 好的 ×3 in one second."""
        s = self.pick("burst_same_zh" if who.lang == "zh" else "burst_same_en")
        m = self.say(who, s, F_BURST)
        for _ in range(1 + self.bits(2) % 3):
            self.msgs.append([0, m[M_TS], m[M_CONV], who, TEXT, s, F_BURST | F_DUP, 0, None, self.sid, None])

    def text(self, who: _Person, key: str, flags: int = 0) -> _Msg:
        """``who`` says something from intent ``key`` (with fillers around it where the intent has them)."""
        p = self.pools[key]
        s = p.items[int(self.U() * p.n)]
        if p.dyn:
            s = self._fill(s)
        if p.nick:
            s = s.replace("\x07", who.nick)
        if "\n" in s:
            flags |= F_MULTILINE
        return self.say(who, s, flags)

    def text2(self, who: _Person, key1: str, key2: str) -> _Msg:
        """Two intents said in one message, joined with a full-width comma unless the first ends a sentence."""
        a = self.pick(key1)
        b = self.pick(key2)
        s = f"{a}{b}" if a[-1] in "？?！!。，～~ " else f"{a}，{b}"
        return self.say(who, s, F_MULTILINE if "\n" in s else 0)

    def media(self, who: _Person, kind: str) -> None:
        if kind not in self.caps:
            kind = IMAGE
        bits = self.bits
        if kind is VOICE:
            ms = 1000 + bits(16) % 45000
            trans = self.pick("trans") if who.lang == "zh" and bits(3) == 0 else ""
            self.say(who, "", 0, VOICE, (ms, trans))
        elif kind is VIDEO:
            self.say(who, "", 0, VIDEO, 3 + bits(7) % 90)
        elif kind is FILE:
            name = self.pick("file_zh" if who.lang == "zh" else "file_en")
            self.say(who, name, 0, FILE, (name, 20_000 + bits(22)))
        elif kind is LOCATION:
            poi = POIS[bits(3)]
            self.say(who, poi[3], 0, LOCATION, poi)
        elif kind is LINK:
            s = self.pick("link_zh" if who.lang == "zh" else "link_en")
            url = s[s.index("http") :].split(" ", 1)[0]
            title = self.pick("link_title")
            if LINK in self.caps:
                self.say(who, s, 0, LINK, (title, title[:12], url))
            else:
                self.say(who, s)
        else:
            self.say(who, "", 0, kind)

    def quote(self, who: _Person, key: str, ref: _Msg) -> None:
        s = self.pick(key)
        if QUOTE in self.caps and ref[M_KIND] is not SYSTEM:
            self.say(who, s, F_QUOTE, QUOTE, ref)
        else:
            self.say(who, s)

    def recall(self, who: _Person) -> None:
        if RECALL in self.caps:
            self.say(who, "", 0, RECALL)
        else:
            self.pending |= F_GAP_BEFORE  # the next message's platform id skips one

    def system(self, sub: str, actor: _Person | None, target: _Person | None, title: str = "") -> None:
        if sub not in self.sys_caps or self.conv is None:
            return
        t = self.t if self.last is None else self.t + 1 + self.bits(5)
        self.t = t
        self.msgs.append(
            [0, t, self.conv, None, SYSTEM, "", 0, 0, (sub, actor, target, title), self.sid, None]
        )

    def transfer(self, payer: _Person, payee: _Person, amount: str, memo: str) -> None:
        if TRANSFER not in self.caps:
            if payer.lang == "zh":
                self.say(payer, f"已转账 ￥{amount}" + (f"（{memo}）" if memo else ""))
            else:
                self.say(payer, f"sent you ${amount}" + (f" for {memo}" if memo else ""))
            return
        tid = f"1000050001{self.t:010d}{self.bits(40) % 10**12:012d}"
        m = self.say(payer, memo, 0, TRANSFER, None)
        m[M_EXTRA] = (amount, memo, tid, m[M_TS], 1)
        if self.U() < 0.9:
            a = self.say(payee, memo, 0, TRANSFER, None)
            a[M_EXTRA] = (amount, memo, tid, m[M_TS], 3)

    def red_packet(self, sender: _Person, receiver: _Person) -> None:
        wish = self.pick("wish")
        if RED_PACKET not in self.caps:
            self.say(sender, f"🧧 {wish}")
            return
        self.say(sender, wish, 0, RED_PACKET, wish)
        if self.U() < 0.8:
            self.system("redpacket_got", receiver, sender)

    # --- sessions ---------------------------------------------------------------------------------

    def choose_ctype(self) -> str:
        r = self.U() * self.total_w
        for c, acc in zip(self.ctypes, self.cum, strict=True):
            if r < acc:
                return c
        return self.ctypes[-1]

    _TOPICS: Final = ("return", "logistics", "aftersale", "invoice", "size", "coupon")
    _NEEDS_ORDER: Final = frozenset({"return", "logistics", "aftersale"})

    def cs_zh_session(self, cust: _Person, agent: _Person) -> None:
        U = self.U
        text = self.text
        angry = U() < 0.12
        rude = U() < 0.06
        topics = self._TOPICS
        topic = topics[int(U() * len(topics))]
        r = U()
        if r < 0.3:
            text(cust, "cs_c_greet")
            if U() < 0.6:
                text(cust, "cs_c_" + topic)
        elif r < 0.5:
            self.text2(cust, "cs_c_greet", "cs_c_" + topic)  # "在吗，我的快递怎么还没到？"
        else:
            text(cust, "cs_c_" + topic)
        if U() < 0.08:
            self.media(cust, IMAGE)
        text(agent, "cs_a_greet")
        last_q = self.msgs[-1]
        asked_order = False
        for i in range(1 + int(2.2 * _log1m(U()))):
            if topic in self._NEEDS_ORDER and not asked_order and U() < 0.6:
                asked_order = True
                text(agent, "cs_a_ask_order")
                if U() < 0.15:
                    self.media(cust, IMAGE)
                else:
                    text(cust, "cs_c_order")
            if U() < 0.3:
                text(agent, "cs_a_wait")
            if rude and U() < 0.5:
                text(agent, "cs_a_rude", F_RUDE)
            elif U() < 0.08 and i:
                self.quote(agent, "cs_a_" + topic, last_q)
            else:
                text(agent, "cs_a_" + topic)
                if U() < 0.25:
                    text(agent, "cs_a_" + topic)
            if angry and U() < 0.6:
                text(cust, "cs_c_anger", F_ANGRY)
                if U() < 0.4:
                    text(cust, "cs_c_anger", F_ANGRY)
                if U() < 0.75:
                    text(agent, "cs_a_apology", F_APOLOGY)
            r = U()
            if r < 0.28:
                last_q = text(cust, "cs_c_followup")
            elif r < 0.5:
                topic = topics[int(U() * len(topics))]
                last_q = text(cust, "cs_c_" + topic)
            elif r < 0.58:
                self.media(cust, (IMAGE, IMAGE, VOICE, VIDEO)[self.bits(2)])
            elif r < 0.61:
                text(cust, "cs_c_address")
            elif r < 0.63:
                self.recall(cust)
                last_q = text(cust, "cs_c_" + topic)
            else:
                text(cust, "cs_c_confirm")
                if U() < 0.5:
                    break
        r = U()
        if r < 0.05:
            self.same_burst(cust)
        elif r < 0.6:
            text(cust, "cs_c_confirm")
        if U() < 0.8:
            text(agent, "cs_a_closing")

    def support_en_session(self, cust: _Person, agent: _Person) -> None:
        U = self.U
        text = self.text
        angry = U() < 0.12
        rude = U() < 0.06
        if U() < 0.4:
            text(cust, "en_greet")
        q = text(cust, "es_c_ask")
        text(agent, "es_a_greet")
        if U() < 0.6:
            text(agent, "es_a_ask_order")
            if U() < 0.2:
                self.media(cust, IMAGE)
            else:
                self.say(cust, f"#{self._fill(chr(1))}")
        for _ in range(1 + int(1.5 * _log1m(U()))):
            if rude and U() < 0.5:
                text(agent, "es_a_rude", F_RUDE)
            elif U() < 0.1:
                self.quote(agent, "es_a_answer", q)
            else:
                text(agent, "es_a_answer")
            if angry and U() < 0.6:
                text(cust, "es_c_angry", F_ANGRY)
                if U() < 0.75:
                    text(agent, "es_a_sorry", F_APOLOGY)
            if U() < 0.4:
                q = text(cust, "es_c_ask")
            else:
                text(cust, "es_c_thanks")
                break
        if U() < 0.8:
            text(agent, "es_a_close")
        if U() < 0.04:
            self.same_burst(cust)

    def sales_session(self, sales: _Person, client: _Person, others: Sequence[_Person]) -> None:
        U = self.U
        text = self.text
        breach = U() < 0.15
        people = [client, *others]
        if U() < 0.4:
            text(sales, "sa_s_intro")
        else:
            text(client, "sa_c_ask")
        for _ in range(2 + int(3 * _log1m(U()))):
            c = people[int(U() * len(people))]
            r = U()
            if r < 0.22:
                text(sales, "sa_s_quote")
                text(c, "sa_c_bargain" if U() < 0.6 else "sa_ack")
            elif r < 0.36:
                text(c, "sa_c_contract")
                text(sales, "sa_s_contract")
                if U() < 0.3:
                    self.media(sales, FILE)
            elif r < 0.46:
                text(sales, "sa_s_deposit")
                text(c, "sa_c_paid")
                amount = f"{(1 + self.bits(8) % 100) * 500:,}.00"
                self.transfer(c, sales, amount, self.pick("memo_biz"))
            elif r < 0.55:
                text(sales, "sa_s_delivery")
                text(c, "sa_ack")
            elif r < 0.63:
                text(sales, "sa_s_push")
                if U() < 0.6:
                    text(c, "sa_ack")
            elif r < 0.70:
                text(c, "sa_c_invoice")
                text(sales, "sa_ack")
            elif r < 0.74:
                self.red_packet(sales, c)
            elif r < 0.80:
                self.media(c if U() < 0.5 else sales, (IMAGE, FILE, VOICE, IMAGE)[self.bits(2)])
            elif r < 0.84:
                self.quote(sales, "sa_ack", self.msgs[-1])
            elif breach and r < 0.95:
                text(c, "sa_c_breach", F_ANGRY)
                text(sales, "sa_s_delivery" if U() < 0.5 else "sa_ack")
            else:
                text(c, "sa_c_ask")
                text(sales, "sa_s_quote")
        if U() < 0.05:
            self.same_burst(client)

    def personal_session(self, a: _Person, b: _Person, others: Sequence[_Person], lang: str) -> None:
        U = self.U
        text = self.text
        bits = self.bits
        zh = lang == "zh"
        people = [a, b, *others]
        kg, kp, kc, kr, ka, kn = (
            ("pz_greet", "pz_plan", "pz_chat", "pz_react", "pz_ack", "pz_night")
            if zh
            else ("en_greet", "en_plan", "en_chat", "en_react", "en_ack", "en_bye")
        )
        who = people[int(U() * len(people))]
        if U() < 0.6:
            text(who, kg)
        for _ in range(3 + int(9 * _log1m(U()))):
            if len(people) == 2:
                if U() < 0.55:
                    who = b if who is a else a
            elif U() < 0.6:
                nxt = people[int(U() * len(people))]
                who = nxt if nxt is not who else (b if who is a else a)
            r = U()
            if r < 0.33:
                text(who, kc)
            elif r < 0.48:
                text(who, kp)
            elif r < 0.62:
                text(who, kr)
            elif r < 0.74:
                text(who, ka)
            elif r < 0.79:
                self.media(who, STICKER)
            elif r < 0.84:
                self.media(who, IMAGE)
            elif r < 0.87:
                self.media(who, VOICE)
            elif r < 0.89:
                self.media(who, LINK)
            elif r < 0.905:
                self.media(who, LOCATION)
            elif r < 0.915:
                self.media(who, VIDEO)
            elif r < 0.925 and zh:
                self.red_packet(who, b if who is a else a)
            elif r < 0.935 and zh:
                other = b if who is a else a
                self.transfer(who, other, f"{20 + bits(8) % 300}.00", self.pick("memo_personal"))
            elif r < 0.945:
                self.recall(who)
            elif r < 0.96 and len(self.msgs) > 1:
                self.quote(who, kr, self.msgs[-1 - bits(1)])
            else:
                text(who, ka)
        if U() < 0.3:
            text(who, kn)
        if U() < 0.04:
            self.same_burst(who)


def _log1m(u: float) -> float:
    """-log(1 - u): an exponential draw with mean 1 from a uniform one."""
    return -math.log(1.0 - u)


# ---------------------------------------------------------------------------------------------
# The engine: lanes of sessions merged by time, or conversations one after another
# ---------------------------------------------------------------------------------------------


class _Engine:
    def __init__(self, sim: _Sim, n: int) -> None:
        self.sim = sim
        self.n = n
        self.writer = sim.writer
        single = self.writer.single_chat
        # Concurrent threads: enough that the corpus spans roughly 3-6 months whatever its size.
        self.lanes = max(1, min(10_000, round(n / (12_000 if single else 2_500))))
        self.chat: _Conv | None = None
        if single:
            owner = sim.new_agent("zh")
            self.chat = _Conv(0, "group", "客服中心 Customer Care", "客服中心 Customer Care", True, owner, [])
            self.agents: dict[str, list[_Person]] = {"zh": [owner], "en": []}
            self.sales: list[_Person] = []
            self.regulars: dict[str, list[_Person]] = {"zh": [], "en": []}
        self.owners: dict[str, list[_Person]] = {c: [] for c in CONV_TYPES}

    # --- single chat --------------------------------------------------------------------------

    def _staff(self, kind: str, lang: str = "zh") -> _Person:
        sim = self.sim
        if kind == "sales":
            pool = self.sales
            want = 2 + self.lanes // 4
        else:
            pool = self.agents[lang]
            want = 3 + self.lanes // (2 if lang == "zh" else 6)
        if len(pool) < want and (not pool or sim.U() < 0.3):
            p = sim.new_sales() if kind == "sales" else sim.new_agent(lang)
            pool.append(p)
            assert self.chat is not None
            self.chat.members.append(p)
            return p
        return pool[int(sim.U() * len(pool))]

    def _regular(self, lang: str) -> _Person:
        sim = self.sim
        pool = self.regulars[lang]
        if len(pool) < 6 + self.lanes or sim.U() < 0.02:
            p = sim.new_friend(lang)
            if len(pool) < 20_000:
                pool.append(p)
            return p
        return pool[int(sim.U() * len(pool))]

    def _arrive(self, p: _Person, by: _Person) -> None:
        """System line before someone's first message in the group."""
        if p.joined:
            return
        p.joined = True
        sim = self.sim
        r = sim.U()
        if r < 0.45:
            sim.system("join", None, p)
        elif r < 0.7:
            sim.system("add", by, p)

    def _group_lane(self, k: int) -> Iterator[list[_Msg]]:
        sim = self.sim
        chat = self.chat
        assert chat is not None
        t = sim.t0 + 9 * 3600 + k * 37 + int(sim.U() * 3600)
        if k == 0:
            sim.begin(chat, sim.t0 + 8 * 3600)
            sim.system("e2e", None, None)
            sim.system("create", chat.owner, None, chat.title)
            chat.owner.joined = True
            yield sim.msgs
        while True:
            ctype = sim.choose_ctype()
            sim.begin(chat, t)
            if ctype == "cs_zh":
                a = self._staff("agent")
                c = sim.customer("zh")
                others: list[_Person] = []
            elif ctype == "support_en":
                a = self._staff("agent", "en")
                c = sim.customer("en")
                others = []
            elif ctype == "sales_zh":
                a = self._staff("sales")
                c = sim.customer("zh")
                others = []
            else:
                lang = "zh" if ctype == "personal_zh" else "en"
                a = self._regular(lang)
                c = self._regular(lang)
                while c is a:
                    c = self._regular(lang)
                others = [self._regular(lang)] if sim.U() < 0.3 else []
                others = [o for o in others if o is not a and o is not c]
            for p in (a, c, *others):
                self._arrive(p, a if a.role == "agent" and p is not a else chat.owner)
            if ctype == "cs_zh":
                sim.cs_zh_session(c, a)
            elif ctype == "support_en":
                sim.support_en_session(c, a)
            elif ctype == "sales_zh":
                sim.sales_session(a, c, others)
            else:
                sim.personal_session(a, c, others, "zh" if ctype == "personal_zh" else "en")
            sess = sim.msgs
            yield sess
            t = sess[-1][M_TS] + int(60 + 600 * _log1m(sim.U()))

    # --- many conversations -------------------------------------------------------------------

    def _new_conv(self) -> _Conv:
        sim = self.sim
        U = sim.U
        ctype = sim.choose_ctype()
        key = sim.n_conv
        sim.n_conv += 1
        group = False
        others: list[_Person] = []
        if ctype == "cs_zh":
            owner = self._owner("cs_zh")
            contact = sim.new_customer("zh")
        elif ctype == "support_en":
            owner = self._owner("support_en")
            contact = sim.new_customer("en")
        elif ctype == "sales_zh":
            owner = self._owner("sales_zh")
            contact = sim.new_customer("zh")
            if U() < 0.25:
                group = True
                others = [sim.new_customer("zh") for _ in range(1 + sim.bits(2) % 3)]
        else:
            lang = "zh" if ctype == "personal_zh" else "en"
            owner = self._owner(ctype)
            contact = sim.new_friend(lang)
            if U() < 0.3:
                group = True
                others = [sim.new_friend(lang) for _ in range(1 + sim.bits(3) % 6)]
        if group:
            sim.n_group += 1
            base = (
                f"{contact.name[:1]}{SLOTS['product'][key % len(SLOTS['product'])]}项目群"
                if ctype == "sales_zh"
                else (GROUP_NAMES_ZH if ctype == "personal_zh" else GROUP_NAMES_EN)[key % 5]
            )
            title = f"{base} {sim.n_group}"
            room = f"{10**10 + (key * _PHONE_MUL + 1_000_003) % (9 * 10**10)}@chatroom"
        else:
            title = contact.name
            room = contact.wxid or title
        conv = _Conv(key, ctype, title, room, group, owner, [contact, *others])
        u = U()
        conv.target = min(2000, int(20 / (1.0 - u) ** (1 / 1.15)))
        return conv

    def _owner(self, ctype: str) -> _Person:
        sim = self.sim
        pool = self.owners[ctype]
        size = {"cs_zh": 12, "support_en": 4, "sales_zh": 6, "personal_zh": 10, "personal_en": 4}[ctype]
        if len(pool) < size:
            if ctype == "cs_zh":
                p = sim.new_agent("zh")
            elif ctype == "support_en":
                p = sim.new_agent("en")
            elif ctype == "sales_zh":
                p = sim.new_sales()
            else:
                p = sim.new_friend("zh" if ctype == "personal_zh" else "en")
            pool.append(p)
            return p
        return pool[int(sim.U() * len(pool))]

    def _conv_sessions(self, conv: _Conv, t: int) -> Iterator[list[_Msg]]:
        """The sessions of one conversation, cut at its target length."""
        sim = self.sim
        remaining = conv.target
        owner = conv.owner
        contact = conv.members[0]
        others = conv.members[1:]
        first = True
        while remaining > 0:
            sim.begin(conv, t)
            if first:
                first = False
                if conv.group:
                    sim.system("create", owner, None, conv.title)
                elif sim.U() < 0.3:
                    sim.system("friend", owner, contact)
            ctype = conv.ctype
            if ctype == "cs_zh":
                sim.cs_zh_session(contact, owner)
            elif ctype == "support_en":
                sim.support_en_session(contact, owner)
            elif ctype == "sales_zh":
                sim.sales_session(owner, contact, others)
            else:
                sim.personal_session(owner, contact, others, conv.lang)
            sess = sim.msgs
            if len(sess) > remaining:
                del sess[remaining:]
            remaining -= len(sess)
            yield sess
            gap = {"cs_zh": 20 * 3600, "support_en": 20 * 3600, "sales_zh": 40 * 3600}.get(ctype, 10 * 3600)
            t = sess[-1][M_TS] + 1800 + int(gap * _log1m(sim.U()))

    def _conv_lane(self, k: int) -> Iterator[list[_Msg]]:
        sim = self.sim
        t = sim.t0 + 9 * 3600 + k * 53 + int(sim.U() * 3 * 86400)
        while True:
            conv = self._new_conv()
            last = t
            for sess in self._conv_sessions(conv, t):
                last = sess[-1][M_TS]
                yield sess
            t = last + int(600 + 3600 * _log1m(sim.U()))

    def _sequential(self) -> Iterator[list[_Msg]]:
        sim = self.sim
        span = max(30, min(365, self.n // 2000)) * 86400
        while True:
            conv = self._new_conv()
            t = sim.t0 + 8 * 3600 + int(sim.U() * span)
            yield from self._conv_sessions(conv, t)

    # --- merge and chunk ----------------------------------------------------------------------

    def chunks(self) -> Iterator[list[_Msg]]:
        """Chunks of numbered messages in output order, exactly ``n`` messages in all."""
        if self.writer.single_chat or self.writer.merged:
            make = self._group_lane if self.writer.single_chat else self._conv_lane
            stream = self._merged([make(k) for k in range(self.lanes)])
        else:
            stream = self._sequential()
        remaining = self.n
        idx = 0
        chunk: list[_Msg] = []
        for part in stream:
            chunk += part
            if len(chunk) < CHUNK and len(chunk) < remaining:
                continue
            while chunk and remaining > 0:
                take = chunk[: min(CHUNK, remaining)]
                del chunk[: len(take)]
                for m in take:
                    m[M_IDX] = idx
                    idx += 1
                remaining -= len(take)
                yield take
                if len(chunk) < CHUNK and remaining > len(chunk):
                    break
            if remaining <= 0:
                return

    @staticmethod
    def _merged(lanes: list[Iterator[list[_Msg]]]) -> Iterator[list[_Msg]]:
        """Merge the lanes' sessions into time order.

        A lane's next session starts after the end of its last one, so the smallest such end over
        all lanes (the watermark) bounds every message still to come: buffered messages before it
        are final. Lanes are advanced smallest-end first; the buffer is sorted (stable, so ties keep
        the order the sessions were made in) and cut at the watermark once it has doubled.
        """
        ts_of = itemgetter(M_TS)
        buf: list[_Msg] = []
        heap: list[tuple[int, int]] = []
        for k, it in enumerate(lanes):
            sess = next(it)
            buf += sess
            heap.append((sess[-1][M_TS], k))
        heapq.heapify(heap)
        kept = 0
        while True:
            k = heap[0][1]
            sess = next(lanes[k])
            buf += sess
            heapq.heapreplace(heap, (sess[-1][M_TS], k))
            if len(buf) - kept >= max(CHUNK, kept):
                buf.sort(key=ts_of)
                cut = bisect_left(buf, heap[0][0], key=ts_of)
                if cut:
                    yield buf[:cut]
                    del buf[:cut]
                kept = len(buf)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of short-lived message lists and no reference cycles: the cyclic GC would only cost time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def generate(
    fmt: str,
    n_messages: int,
    out_path: str | os.PathLike[str],
    *,
    seed: int = 0,
    start: date | str = "2024-01-01",
    tz: str = "Asia/Shanghai",
    hour12: bool = False,
    mix: Mapping[str, float] | None = None,
    truth_path: str | os.PathLike[str] | None = None,
) -> CorpusStats:
    """Write ``n_messages`` messages in format ``fmt`` to ``out_path`` and return what was written.

    ``start`` is the first local day (``YYYY-MM-DD``) in zone ``tz`` (an IANA name; naive export times
    are local to it). ``hour12`` switches WhatsApp to 12-hour times with U+202F before AM/PM. ``mix``
    weights the conversation types (keys from ``CONV_TYPES``; defaults depend on single- vs
    multi-chat formats). ``truth_path`` also writes the JSONL ground truth described in the module doc.
    """
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if n_messages < 1:
        raise ValueError("n_messages must be at least 1")
    began = time.perf_counter()
    zone = ZoneInfo(tz)
    day = date.fromisoformat(start) if isinstance(start, str) else start
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    t0 = int(midnight.timestamp())
    off = midnight.utcoffset() or timedelta(0)
    cls = _WRITERS[fmt]
    weights = dict(mix) if mix is not None else dict(_SINGLE_CHAT_MIX if cls.single_chat else DEFAULT_MIX)
    unknown = set(weights) - set(CONV_TYPES)
    if unknown:
        raise ValueError(f"unknown conversation types in mix: {', '.join(sorted(unknown))}")
    truth = _Truth(truth_path) if truth_path is not None else None
    n_written = 0
    first = 1 << 62
    last = 0
    convs = 0
    senders = 0
    with _no_cyclic_gc(), open(out_path, "w", encoding=cls.encoding, newline="", buffering=1 << 20) as f:
        writer = cls(f, zone, hour12, truth)
        if truth is not None:
            truth.sender_id = writer.sender_id
        sim = _Sim(seed, writer, t0, int(off.total_seconds()), weights)
        engine = _Engine(sim, n_messages)
        writer.begin(engine.chat)
        ts_of = itemgetter(M_TS)
        for chunk in engine.chunks():
            first = min(first, min(map(ts_of, chunk)))
            last = max(last, max(map(ts_of, chunk)))
            conv = None
            for m in chunk:
                who = m[M_FROM]
                if who is not None and not who.seen:
                    who.seen = True
                    senders += 1
                if m[M_CONV] is not conv:
                    conv = m[M_CONV]
                    if not conv.seen:
                        conv.seen = True
                        convs += 1
            writer.write_chunk(chunk)
            n_written += len(chunk)
            if truth is not None:
                truth.flush()
        writer.end()
    if truth is not None:
        truth.close()
    return CorpusStats(
        format=fmt,
        path=os.fspath(out_path),
        seed=seed,
        messages=n_written,
        conversations=convs,
        sessions=sim.n_sessions,
        senders=senders,
        first_ts=first,
        last_ts=last,
        bytes=os.path.getsize(out_path),
        elapsed_s=round(time.perf_counter() - began, 3),
    )


def _parse_mix(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        out[name.strip()] = float(weight)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus",
        description="Write a seeded, deterministic, realistic chat corpus in one export format.",
    )
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument(
        "--messages", required=True, type=lambda s: int(float(s)), help="number of messages (1e6 ok)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="output file")
    ap.add_argument("--tz", default="Asia/Shanghai", help="zone of the export's local times (IANA name)")
    ap.add_argument("--start", default="2024-01-01", help="first local day, YYYY-MM-DD")
    ap.add_argument("--hour12", action="store_true", help="WhatsApp: 12-hour times with U+202F before AM/PM")
    ap.add_argument(
        "--mix", type=_parse_mix, help="conversation-type weights, e.g. cs_zh=0.6,personal_en=0.4"
    )
    ap.add_argument("--truth", help="also write the JSONL ground truth here")
    args = ap.parse_args(argv)
    stats = generate(
        args.format,
        args.messages,
        args.out,
        seed=args.seed,
        start=args.start,
        tz=args.tz,
        hour12=args.hour12,
        mix=args.mix,
        truth_path=args.truth,
    )
    rate = stats.messages / stats.elapsed_s if stats.elapsed_s else 0.0
    print(
        f"{stats.messages} messages, {stats.bytes / 1e6:.1f} MB in {stats.elapsed_s:.2f} s "
        f"({rate / 1000:.0f} k msg/s, {stats.bytes / stats.messages:.1f} B/msg)",
        file=sys.stderr,
    )
    print(json.dumps(stats.as_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
