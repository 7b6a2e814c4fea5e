"""A seeded generator of Chinese customer-service sessions with known truth, for the text detectors.

Each session is built from the vocabulary of ``benchmarks.corpus`` (templates and slot fillers) and
carries what was injected into it: typos, missing greeting or closing, negligent and rude replies,
copy-paste repetition, long silences, rising customer anger, the resolution and the question topic.
The same (count, seed) always gives the same sessions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from benchmarks.corpus import INTENTS, SLOTS
from chatledger.model import Message, MessageKind
from chatledger.quality.findings import Role, Session, Turn

T0_MS = 1_717_200_000_000  # 2024-06-01 00:00 UTC

# topic -> the corpus intents customers ask it with, and the agent answers that fit it
TOPICS = {
    "退货退款": ("cs_c_return", "cs_a_return"),
    "物流": ("cs_c_logistics", "cs_a_logistics"),
    "售后": ("cs_c_aftersale", "cs_a_aftersale"),
    "发票": ("cs_c_invoice", "cs_a_invoice"),
    "尺码": ("cs_c_size", "cs_a_size"),
    "优惠": ("cs_c_coupon", "cs_a_coupon"),
}
TOPIC_WEIGHTS = (30, 25, 15, 12, 10, 8)

# (agent sentence, wrong, right): the sentence holds `right`; a typo swaps in `wrong`
TYPO_CARRIERS = (
    ("您的订单已经发货了，请注意查收", "定单", "订单"),
    ("我已经帮您查询过了，包裹在路上", "以经", "已经"),
    ("这个问题应该是系统延迟导致的", "因该", "应该"),
    ("退款会原路返回到您的账户", "帐户", "账户"),
    ("请您稍等，我马上帮您看一下", "梢等", "稍等"),
    ("给您带来不便，非常抱歉", "报歉", "抱歉"),
    ("我这边帮您联系仓库核实一下", "联糸", "联系"),
    ("您的问题我已经反馈给相关部门了", "反溃", "反馈"),
    ("麻烦您再次确认一下收货信息", "在次", "再次"),
    ("我们会尽快地为您处理，请放心", "尽快的为您", "尽快地为您"),
    ("仓库那边处理得很快，今天就能发出", "处理的很快", "处理得很快"),
    ("您的订单号是多少呢", "丁单", "订单"),
    ("退款已经到账了，请查看一下", "到帐", "到账"),
    ("麻烦您提供一下账号信息", "张号", "账号"),
    ("Your package will arrive tomorrow", "pakage", "package"),
    ("We have received your request", "recieved", "received"),
)

NEGLIGENT = (
    "不知道",
    "你问别人去吧",
    "自己看页面",
    "这个我管不了",
    "没办法",
    "系统就这样",
    "不归我管",
    "我也没办法，等着吧",
)
RUDE = ("爱买不买", "你有病吧", "说了多少遍了，听不懂人话吗", "烦不烦啊", "买不起就别买")
CONFIRM = ("好的谢谢", "解决了，谢谢", "谢谢，问题解决了", "好的，辛苦了", "可以了，谢谢亲", "收到了谢谢")
UNRESOLVED = ("还是不行啊", "问题还是没解决", "还是没收到，什么时候能处理好")
ANGRY_UNRESOLVED = ("算了，我要投诉", "你们这样我要去12315投诉")  # ends a calm session angrily: anger rising
REPEATED = (
    "亲，请发一下您的订单号，我帮您查询一下",
    "您好，这边已经为您登记，请耐心等待处理结果",
    "亲亲，您的问题已经反馈给仓库，会尽快给您答复",
)
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Truth:
    """What was put into one generated session (message ids unless said otherwise)."""

    session: Session
    topic: str
    question: int = 0  # the message that asks the topic's question
    typos: set[int] = field(default_factory=set)
    negligent: set[int] = field(default_factory=set)
    rude: set[int] = field(default_factory=set)
    repeated: set[int] = field(default_factory=set)
    long_waits: set[int] = field(default_factory=set)  # the customer message that started the wait
    missing_greeting: bool = False
    missing_closing: bool = False
    anger_rising: bool = False
    resolved: bool = False
    unresolved: bool = False


class _Builder:
    def __init__(self, rng: random.Random, conversation: int, first_id: int, start_ms: int) -> None:
        self.rng = rng
        self.conversation = conversation
        self.next_id = first_id
        self.ts = start_ms
        self.turns: list[Turn] = []
        self.agent = f"agent{rng.randrange(8)}"
        self.customer = f"cust{conversation}"
        self.first_waiting: int | None = None  # the customer message a wait started at

    def fill(self, template: str) -> str:
        def slot(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in SLOTS:
                return self.rng.choice(SLOTS[name])
            if name == "ORDER":
                return str(self.rng.randrange(10**15, 10**16))
            if name == "PHONE":
                return f"1{self.rng.choice('3589')}{self.rng.randrange(10**8, 10**9)}"
            if name in ("MONEY", "BIGMONEY"):
                return f"{self.rng.randrange(20, 5000)}.00"
            if name == "DATE":
                return "2024-06-01"
            if name == "agent":
                return "小美"
            return ""

        return _SLOT.sub(slot, template)

    def say(self, role: Role, text: str, delay_s: float | None = None) -> int:
        """Agents answer in 5-60 s; a customer writing again writes within 2-20 s (so only injected
        delays keep a customer waiting past three minutes)."""
        if delay_s is None:
            again = bool(self.turns) and self.turns[-1].role is role is Role.CUSTOMER
            delay_s = self.rng.uniform(2, 20) if again else self.rng.uniform(5, 60)
        self.ts += int(1000 * delay_s)
        mid = self.next_id
        self.next_id += 1
        if role is Role.AGENT:
            self.first_waiting = None
        elif self.first_waiting is None:
            self.first_waiting = mid
        sender = self.agent if role is Role.AGENT else self.customer
        message = Message(f"conv{self.conversation}", sender, self.ts, MessageKind.TEXT, text, id=mid)
        self.turns.append(Turn(message, role, self.agent if role is Role.AGENT else None))
        return mid

    def intent(self, role: Role, name: str, delay_s: float | None = None) -> int:
        return self.say(role, self.fill(self.rng.choice(INTENTS[name])), delay_s)


def generate(count: int, seed: int = 7) -> list[Truth]:
    """``count`` sessions with injected faults at fixed rates (seeded)."""
    rng = random.Random(seed)
    truths = []
    next_id = 1
    start = T0_MS
    for number in range(count):
        b = _Builder(rng, number, next_id, start)
        truth = _one_session(b, rng)
        truths.append(truth)
        next_id = b.next_id
        start = b.ts + 3_600_000
    return truths


def _one_session(b: _Builder, rng: random.Random) -> Truth:
    topic = rng.choices(list(TOPICS), TOPIC_WEIGHTS)[0]
    ask, answer = TOPICS[topic]
    flags = {
        "no_greeting": rng.random() < 0.15,
        "no_closing": rng.random() < 0.15,
        "typo": rng.random() < 0.2,
        "negligent": rng.random() < 0.08,
        "rude": rng.random() < 0.05,
        "repeat": rng.random() < 0.08,
        "silence": rng.random() < 0.1,
        "angry": rng.random() < 0.12,
    }
    ending = rng.choices(("resolved", "unresolved", "open"), (55, 25, 20))[0]
    truth = Truth(Session(0, 0, ()), topic)
    b.intent(Role.CUSTOMER, "cs_c_greet", 0)
    if flags["no_greeting"]:
        truth.missing_greeting = True
    else:
        b.intent(Role.AGENT, "cs_a_greet", rng.uniform(3, 20))
    truth.question = b.intent(Role.CUSTOMER, ask)
    slow = rng.uniform(400, 3000) if flags["silence"] else None
    if slow is not None and b.first_waiting is not None:
        truth.long_waits.add(b.first_waiting)
    b.intent(Role.AGENT, rng.choice(("cs_a_ask_order", "cs_a_wait")), slow)
    b.intent(Role.CUSTOMER, "cs_c_order")
    answers = rng.sample(INTENTS[answer], k=min(2, len(INTENTS[answer])))
    b.say(Role.AGENT, b.fill(answers[0]))
    if flags["typo"]:
        sentence, wrong, right = rng.choice(TYPO_CARRIERS)
        truth.typos.add(b.say(Role.AGENT, sentence.replace(right, wrong)))
    else:
        b.say(Role.AGENT, rng.choice(TYPO_CARRIERS)[0])
    if flags["repeat"]:
        text = rng.choice(REPEATED)
        for _ in range(3):
            b.intent(Role.CUSTOMER, "cs_c_followup")
            truth.repeated.add(b.say(Role.AGENT, text))
    else:
        b.intent(Role.CUSTOMER, "cs_c_followup")
        b.say(Role.AGENT, b.fill(answers[-1]))
    if flags["negligent"]:
        b.intent(Role.CUSTOMER, "cs_c_followup")
        truth.negligent.add(b.say(Role.AGENT, rng.choice(NEGLIGENT)))
    if flags["rude"]:
        b.intent(Role.CUSTOMER, "cs_c_followup")
        truth.rude.add(b.say(Role.AGENT, rng.choice(RUDE)))
    if flags["angry"]:
        truth.anger_rising = True
        for text in rng.sample(INTENTS["cs_c_anger"], k=3):
            b.say(Role.CUSTOMER, b.fill(text))
        b.intent(Role.AGENT, "cs_a_apology")
    if ending == "resolved":
        b.say(Role.CUSTOMER, rng.choice(CONFIRM))
        truth.resolved = True
    elif ending == "unresolved":
        text = rng.choice(UNRESOLVED + ANGRY_UNRESOLVED)
        b.say(Role.CUSTOMER, text)
        truth.unresolved = True
        truth.anger_rising |= text in ANGRY_UNRESOLVED
    elif flags["angry"]:
        truth.unresolved = True  # the customer's last word was a complaint
    if flags["no_closing"]:
        truth.missing_closing = True
    else:
        b.intent(Role.AGENT, "cs_a_closing")
    truth.session = Session(b.conversation, 0, tuple(b.turns), channel="support")
    return truth
