"""The demo story's people and words: a care centre on the edge of a city, four cohorts, fourteen families.

Everything here is invented. Texts follow DOMAIN.md's privacy rules: aliases instead of names for
household members, and nothing identifying in anything tagged with a sensitive service line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Fields = Mapping[str, Any]

COORDINATOR = "郑丽华"
SOCIAL_WORKER = "邓慧"

#: Volunteers per cohort, oldest cohort first. The sixth of the second cohort and the seventh of the
#: third withdraw before their cohort ends (see ``CANCELLED`` and ``WITHDRAWN_LEAD``).
VOLUNTEERS: tuple[tuple[str, ...], ...] = (
    ("李思雨", "王浩然", "张佳怡", "刘子轩", "陈雨桐", "杨一鸣"),
    ("赵欣然", "黄俊杰", "周梓涵", "吴诗琪", "徐嘉豪", "孙悦"),
    ("马晓彤", "朱文博", "胡可欣", "郭子豪", "何雨欣", "林泽宇", "罗佳琪"),
    ("高梦瑶", "宋宇航", "梁静怡", "谢博文", "唐心怡", "许晨阳"),
)

#: (school, major), taken in turn.
STUDIES: tuple[tuple[str, str], ...] = (
    ("城市学院社会工作系", "社会工作"),
    ("城市学院社会工作系", "社会工作"),
    ("城市学院心理学系", "应用心理学"),
    ("城市学院社会工作系", "社会工作"),
    ("师范大学教育学院", "学前教育"),
)


@dataclass(frozen=True)
class FamilySeed:
    """One family as enrolled; ``members`` besides the child are (relation, age at the start, alias), carer first."""

    display_name: str
    community: str
    referral_source: str
    child: tuple[str, int]
    members: tuple[tuple[str, int, str], ...]
    circumstances: tuple[str, ...]
    likes: str

    @property
    def carer(self) -> str:
        return self.members[0][2]


# fmt: off
FAMILIES: tuple[FamilySeed, ...] = (
    FamilySeed("林家", "城东社区", "学校老师", ("小林", 10), (("grandmother", 66, "林奶奶"),),
               ("left_behind", "grandparent_carer"), "画画和跳绳"),
    FamilySeed("王家", "桥头村", "村委会", ("小宇", 9), (("father", 38, "王爸爸"), ("mother", 36, "王妈妈")),
               ("migrant",), "踢足球"),
    FamilySeed("陈家", "新塘社区", "社区居委会", ("小雪", 8), (("grandmother", 64, "陈奶奶"),
               ("grandfather", 67, "陈爷爷")), ("left_behind", "grandparent_carer"), "唱歌"),
    FamilySeed("张家", "工业园社区", "学校老师", ("小杰", 11), (("mother", 37, "张妈妈"),),
               ("single_parent", "economic_hardship"), "搭积木和看科普书"),
    FamilySeed("刘家", "河西村", "妇联", ("小雨", 7), (("mother", 31, "刘妈妈"), ("sibling", 4, "小阳")),
               ("migrant", "economic_hardship"), "折纸"),
    FamilySeed("黄家", "龙湾社区", "邻居介绍", ("小宝", 6), (("grandmother", 63, "黄奶奶"),),
               ("left_behind", "grandparent_carer"), "拼图"),
    FamilySeed("赵家", "城东社区", "儿童之家", ("小萌", 9), (("grandmother", 65, "赵奶奶"),
               ("grandfather", 70, "赵爷爷")), ("left_behind", "grandparent_carer", "illness"), "养花和讲故事"),
    FamilySeed("吴家", "桥头村", "学校社工", ("小乐", 12), (("father", 42, "吴爸爸"),),
               ("single_parent", "migrant"), "下象棋"),
    FamilySeed("徐家", "新塘社区", "街道民政办", ("小诺", 10), (("mother", 40, "徐妈妈"),),
               ("disability", "economic_hardship"), "弹电子琴"),
    FamilySeed("孙家", "工业园社区", "学校老师", ("小航", 8), (("grandmother", 62, "孙奶奶"),),
               ("left_behind", "grandparent_carer"), "做手工"),
    FamilySeed("马家", "河西村", "社区居委会", ("小月", 11), (("grandmother", 68, "马奶奶"), ("father", 41, "马爸爸")),
               ("migrant", "grandparent_carer"), "写毛笔字"),
    FamilySeed("朱家", "龙湾社区", "学校老师", ("小童", 7), (("grandmother", 61, "朱外婆"),),
               ("left_behind", "grandparent_carer"), "画恐龙"),
    FamilySeed("胡家", "城东社区", "妇联", ("小晴", 9), (("mother", 35, "胡妈妈"),),
               ("single_parent", "migrant"), "跳舞"),
    FamilySeed("郭家", "桥头村", "儿童之家", ("小俊", 10), (("grandfather", 69, "郭爷爷"),),
               ("left_behind", "grandparent_carer", "economic_hardship"), "打乒乓球"),
)
# fmt: on

#: Each family's journey: the cohort it is enrolled in, then its lead in that cohort and each later one
#: (indexes into VOLUNTEERS[cohort]); consecutive leads are joined by a handover.
JOURNEYS: tuple[tuple[int, tuple[int, ...]], ...] = (
    (0, (0, 0, 0, 0)),
    (0, (1, 1, 1, 1)),
    (0, (2, 2, 2, 2)),
    (0, (3, 3, 3, 3)),
    (0, (4, 4, 4, 4)),
    (0, (5, 3)),
    (0, (0, 0, 5)),
    (1, (2, 5, 5)),
    (1, (4, 3, 3)),
    (1, (1, 1, 1)),
    (1, (0, 6)),
    (2, (2,)),
    (2, (4, 4)),
    (2, (0, 0)),
)

#: The calendar, anchored on the story's last day: the cohort leaving now ends LEAVING_IN days later, a new
#: cohort is recruited every INTAKE_EVERY days, and each cohort serves for COHORT_TERM days (a year and a half).
LEAVING_COHORT, LEAVING_IN, INTAKE_EVERY, COHORT_TERM = 2, 45, 365, 548

# Who is who in the story (indexes into FAMILIES, and (cohort, volunteer) into VOLUNTEERS).
ALUMNI = 0  # the first volunteer keeps in touch after leaving: "天冷了，注意身体"
NO_JOINT_VISIT = 1  # the first handover completes without a joint visit, for a recorded reason
CANCELLED = 2  # the first handover is cancelled: the newcomer withdraws
CONCERN = 3  # a concern raised, followed up, referred to the children's activity room, resolved
SENSITIVE = 4  # a concern on the anti-domestic-violence line, kept minimal
LOST_AT_HANDOVER = 5  # closed soon after its handover: the family moves back to its home town
REOPENED = 6  # closed, reopened, and now its lead's cohort ends with no handover planned
CORRECTED = 7  # an amendment, a retraction, and a Monday visit written up on Thursday
SHADOWED = 8  # the incoming volunteer shadows the lead before the handover
CO_LED = 9  # a second volunteer helps as co
WITHDRAWN_LEAD = 10  # its lead withdrew a few weeks ago: no lead now
QUIET = 11  # no visit or message for over two months
#: The leaving cohort's handovers caught under way on the story's last day, whatever day that is: family ->
#: days since the handover was planned. Joint visits come ten days after planning, then every eighteen days.
JUST_PLANNED = 12  # planned a few days ago: the first joint visit is still to come
IN_JOINT_VISITS = 13  # one joint visit done and the family's agreement, more joint visits to come
UNDER_WAY: Mapping[int, int] = {JUST_PLANNED: 4, IN_JOINT_VISITS: 20}
CANCELLED_NEWCOMER = (1, 5)  # the newcomer who withdraws, cancelling CANCELLED's first handover
CO_VOLUNTEER = (1, 3)  # CO_LED's co volunteer

VISIT_SUMMARIES = (
    "陪{child}写完数学作业，聊了学校里的新朋友",
    "和{child}一起读绘本，{carer}说孩子最近睡得早了",
    "{child}期中考试进步了，一起定了下个月的小目标",
    "带{child}到中心参加手工活动，孩子很投入",
    "{carer}腿疼，帮忙联系了社区医生，陪{child}复习语文",
    "{child}说想爸爸妈妈，陪着聊了很久，约好下次一起给爸妈写信",
    "一起整理了{child}的书桌，做了一张作息表",
    "{child}跳绳一分钟能跳一百下了，很开心",
    "和{carer}聊了孩子下学期的学费补助",
    "陪{child}去图书馆办了借书证，借了两本书",
)
ACTIVITIES = ("作业辅导", "绘本阅读", "手工", "户外游戏", "聊天谈心", "跳绳", "下棋", "画画")
PROMISE_KEPT = "下次探访时做到了"
PROMISE_LET_GO = "家里的情况变了，孩子已经不需要了"
PROMISES = ("下次带几本课外书", "帮忙问问学费补助的政策", "周末带孩子去中心参加活动", "下次一起练习朗读")
FROM_FAMILY = (
    "{child}说作业写完了，发了照片",
    "{carer}问下周几点来",
    "{child}发来一段跳绳视频",
    "{carer}说谢谢上次带来的书",
    "{child}考试考了九十分，想告诉你",
)
TO_FAMILY = (
    "提醒周六中心有手工活动",
    "问候{carer}身体怎么样",
    "约下周三下午探访",
    "发了几道练习题给{child}",
    "天气转凉，提醒给孩子加衣服",
)
JOINT_VISIT_SUMMARIES = (
    "{outgoing}带{incoming}第一次上门，{child}有点害羞，一起玩了{likes}",
    "{outgoing}和{incoming}一起陪{child}写作业，{child}主动问了{incoming}的名字",
    "第三次一起探访，{outgoing}让{incoming}主导，{child}和{incoming}聊得很开心",
)
HANDOVER_LETTER = (
    "{incoming}你好：\n"
    "我陪伴{family}已经一年多了。{child}喜欢{likes}，只要夸一句就会认真很久。"
    "{carer}白天忙，探访最好约在下午四点以后，进门前先打个电话。"
    "{child}最怕别人说好了又不来，所以如果要改时间，一定提前说。\n"
    "前几次我们一起去，等{child}愿意和你说心里话了，我再放心离开。谢谢你接着陪伴他们。\n"
    "——{outgoing}"
)
# ---- the scripted moments: each one a command's descriptive fields ("{child}" and the like are filled in) ----

AGREEMENT: Fields = {"note": "{carer}说{child}挺喜欢{incoming}，同意由{incoming}接着陪伴"}
KEEP_IN_TOUCH_NOTE = "；家长同意原义工以后继续和孩子保持联系"
JOINT_VISIT: Fields = {"place": "home", "duration_minutes": 120, "wellbeing": "good", "activities": ["聊天谈心"]}
NO_JOINT_VISIT_REASON = (
    "交接期间孩子被爸爸接去外地过暑假，两位义工与家庭的时间始终错开；"
    "原义工已电话向家长介绍新义工，协调员陪同新义工完成首次探访"
)
CANCEL: Fields = {"reason": "接手义工因学业压力退出项目，改由同期其他义工接手"}
ALUMNI_MESSAGE: Fields = {
    "direction": "from_family",
    "channel": "wechat",
    "family_member": "{child}",
    "summary": "天冷了，注意身体",
}
ALUMNI_REPLY: Fields = {"direction": "to_family", "channel": "wechat", "summary": "你也是，多穿点衣服，期末考试加油"}
LOST_CLOSE: Fields = {"reason": "孩子随父母回老家上学，全家搬离本市，家长同意结案"}
PAUSE_CLOSE: Fields = {"reason": "孩子随妈妈到外地生活，暂停陪伴"}
REOPEN: Fields = {"reason": "孩子回到本地由奶奶照顾，奶奶再次申请陪伴"}
LEAD_WITHDREW: Fields = {"reason": "义工因家庭原因退出项目，待安排新的主责义工"}
CO_ENDS: Fields = {"reason": "毕业在即，结束协助"}

LOW_VISIT: Fields = {
    "place": "home",
    "duration_minutes": 90,
    "wellbeing": "low",
    "activities": ["聊天谈心"],
    "summary": "{child}情绪低落，说在学校被同学取笑，不想上学",
}
CONCERN_RAISED: Fields = {
    "category": "emotional",
    "level": "medium",
    "summary": "{child}近两次探访情绪低落，说在学校被同学取笑，不愿上学",
}
CONCERN_FOLLOW_UP: Fields = {"action": "与班主任沟通孩子在校情况"}
CONCERN_FOLLOW_UP_DONE: Fields = {"note": "已与班主任沟通，老师会留意并调整座位"}
CONCERN_REFERRAL: Fields = {
    "service_line": "children_activity_room",
    "reason": "希望孩子在儿童活动室结交朋友，参加周末小组",
}
CONCERN_RESOLVED: Fields = {"resolution": "孩子已连续一个多月参加儿童活动室小组，情绪明显好转"}

# The sensitive line: the least that lets cleared staff follow up; details stay in the social worker's file.
SENSITIVE_CONCERN: Fields = {
    "category": "safety",
    "level": "high",
    "service_line": "anti_domestic_violence",
    "summary": "已转介专线跟进，详情见社工专档",
}
SENSITIVE_REFERRAL: Fields = {"service_line": "anti_domestic_violence", "reason": "由专线社工跟进"}
SENSITIVE_FOLLOW_UP: Fields = {"action": "社工回访"}
SENSITIVE_FOLLOW_UP_DONE: Fields = {"note": "已回访"}

AMENDED_VISIT: Fields = {
    "place": "home",
    "duration_minutes": 60,
    "summary": "陪{child}下了一下午象棋",
    "activities": ["下棋"],
}
AMENDMENT: Fields = {
    "changes": {"duration_minutes": 120, "summary": "陪{child}练了一下午象棋，又一起写完了语文作业"},
    "reason": "时长记错了：实际探访两个小时，并补充了探访内容",
}
RETRACTION: Fields = {"reason": "重复记录：同一条消息记了两次"}
LATE_VISIT: Fields = {
    "place": "school",
    "duration_minutes": 90,
    "wellbeing": "good",
    "activities": ["聊天谈心"],
    "summary": "{child}运动会跑了第三名，一起看了比赛照片",
}
