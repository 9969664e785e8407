"""The rules the domain enforces, one error class each (see DOMAIN.md).

Read top to bottom this is the list of what Peiban refuses to record.
"""

from __future__ import annotations

from domain.errors import RuleBroken


class LeadAlreadyAssigned(RuleBroken):
    code = "lead_already_assigned"
    zh = "该家庭已有主责义工（{lead}）：请先安排交接或解除原主责"
    en = "This family already has a lead volunteer ({lead}): plan a handover or unassign first"


class AlreadyAssigned(RuleBroken):
    code = "already_assigned"
    zh = "该义工已分配到这个家庭"
    en = "This volunteer is already assigned to the family"


class NotAssigned(RuleBroken):
    code = "not_assigned"
    zh = "该义工目前没有分配到这个家庭"
    en = "This volunteer is not currently assigned to the family"


class VolunteerNotActive(RuleBroken):
    code = "volunteer_not_active"
    zh = "只能分配在岗的义工（{name} 当前状态：{status}）"
    en = "Only an active volunteer can be assigned ({name} is {status})"


class VolunteerNotOnFamily(RuleBroken):
    code = "volunteer_not_on_family"
    zh = "{name} 在 {when} 时未分配到该家庭，也不在进行中的交接里"
    en = "{name} was not assigned to the family, nor part of its open handover, at {when}"


class NotAnAlumniContact(RuleBroken):
    code = "not_an_alumni_contact"
    zh = "{name} 已不再陪伴该家庭，且不是家庭同意保持联系的校友义工"
    en = "{name} no longer accompanies this family and is not an alumni contact it agreed to"


class FamilyClosed(RuleBroken):
    code = "family_closed"
    zh = "该家庭已结案，重新开案后才能记录新的探访"
    en = "The family is closed: reopen it before logging new visits"


class FamilyAlreadyClosed(RuleBroken):
    code = "family_already_closed"
    zh = "该家庭已经结案"
    en = "The family is already closed"


class FamilyNotClosed(RuleBroken):
    code = "family_not_closed"
    zh = "该家庭没有结案，无需重新开案"
    en = "The family is not closed"


class HandoverAlreadyOpen(RuleBroken):
    code = "handover_already_open"
    zh = "该家庭已有一个进行中的交接"
    en = "The family already has an open handover"


class HandoverNotOpen(RuleBroken):
    code = "handover_not_open"
    zh = "该交接已经{state}"
    en = "The handover is already {state}"


class HandoverSameVolunteer(RuleBroken):
    code = "handover_same_volunteer"
    zh = "交出和接手的义工必须是两个人"
    en = "The outgoing and incoming volunteers must be different people"


class HandoverNeedsJointVisit(RuleBroken):
    code = "handover_needs_joint_visit"
    zh = "交接至少需要一次两位义工同时在场的共同探访；如确实无法进行，请由协调员写明原因"
    en = (
        "A handover needs at least one joint visit with both volunteers; "
        "if that was impossible, the coordinator must record why"
    )


class FactAlreadyRetracted(RuleBroken):
    code = "fact_already_retracted"
    zh = "这条记录已被撤回，不能再更正"
    en = "This record has been retracted and cannot be corrected"


class FactNotCorrectable(RuleBroken):
    code = "fact_not_correctable"
    zh = "这类记录不能更正或撤回，请使用对应的操作（如解除分配、取消交接）"
    en = "Records of this kind cannot be corrected; use the matching command (e.g. unassign, cancel handover)"


class ConcernAlreadyResolved(RuleBroken):
    code = "concern_already_resolved"
    zh = "该关注事项已经解决"
    en = "The concern is already resolved"


class FollowUpAlreadyDone(RuleBroken):
    code = "follow_up_already_done"
    zh = "该跟进事项已经完成"
    en = "The follow-up is already done"


class CohortClosed(RuleBroken):
    code = "cohort_closed"
    zh = "该期义工已经结束，不能再登记新义工"
    en = "The cohort is closed; no new volunteers can join it"


class CohortAlreadyClosed(RuleBroken):
    code = "cohort_already_closed"
    zh = "该期义工已经结束"
    en = "The cohort is already closed"


class VolunteerStatusRule(RuleBroken):
    code = "volunteer_status"
    zh = "义工当前状态为“{status}”，不能{action}"
    en = "The volunteer is {status} and cannot {action_en}"


class AlumniChoiceUnchanged(RuleBroken):
    code = "alumni_choice_unchanged"
    zh = "义工已经是这个选择了"
    en = "The volunteer has already made this choice"
