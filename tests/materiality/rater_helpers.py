"""Shared set-up for the rater tests: a small IRO register, rating contacts, and the link an e-mail carries."""

from __future__ import annotations

import re

from django.core import mail

from materiality import iros, raters
from materiality.models import Assessment, RaterAssignment
from materiality.tables import read_csv
from stakeholders.models import Stakeholder, StakeholderGroup

REGISTER = "\n".join([
    "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect",
    "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own,long,,",
    "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,medium,,performance",
    "E01-I1,E01,impact,positive,actual,no,Cleaner air,更清洁的空气,,own,short,,",
    "G01-O1,G01,opportunity,,,,Green finance,绿色金融,,own,medium,,access_to_finance",
])
LINK = re.compile(r"/rate/([A-Za-z0-9_-]+)/")


def load_register(assessment: Assessment) -> None:
    iros.import_iros(assessment, read_csv(REGISTER.encode()))


def rater_contact(name: str = "Mia Manager", group: str = "management", language: str = "en") -> Stakeholder:
    return Stakeholder.objects.create(name=name, email=f"{name.split()[0].lower()}@example.org",
                                      group=StakeholderGroup.objects.get(code=group), language=language)


def assign(assessment: Assessment, codes: list[str], capture, contact: Stakeholder | None = None) -> tuple[
        RaterAssignment, str]:
    """Assign a contact to topics, run the e-mail task on commit, and return the assignment and its link token."""
    contact = contact or rater_contact()
    topics = list(assessment.library.topics.filter(code__in=codes))
    with capture(execute=True):
        assignment = raters.assign_rater(assessment, topics, contact=contact)
    return assignment, LINK.search(mail.outbox[-1].body).group(1)
