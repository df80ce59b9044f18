"""Fixtures for casework: a published blue badge service with automatic rules and notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.catalogue.parsing import definition_to_document, parse_definition
from townhall.core.models import Organisation

BLUE_BADGE = """
format: townhall/service-definition/v1
id: blue-badge
version: 1
organisation: E10000901
lgsl: 1088
title: {en: Apply for a Blue Badge, cy: Gwneud cais am Fathodyn Glas}
description: {en: A parking permit for disabled people, cy: Trwydded barcio i bobl anabl}
languages: [en, cy]
pages:
  - id: about-you
    title: {en: About you, cy: Amdanoch chi}
    questions:
      - id: full_name
        type: text
        label: {en: Full name, cy: Enw llawn}
        pii_role: name
      - id: email
        type: email
        label: {en: Email address, cy: Cyfeiriad e-bost}
        pii_role: email
      - id: phone
        type: phone
        label: {en: Mobile number, cy: Rhif ffôn symudol}
        required: false
        pii_role: phone
      - id: postcode
        type: postcode
        label: {en: Postcode, cy: Cod post}
        pii_role: postcode
  - id: eligibility
    title: {en: Eligibility, cy: Cymhwysedd}
    questions:
      - id: receives_pip
        type: yes_no
        label: {en: "Do you get the higher rate of PIP mobility?", cy: "Ydych chi'n cael PIP?"}
      - id: age
        type: number
        label: {en: Your age, cy: Eich oedran}
workflow:
  start: received
  service_level_days: 10
  default_team: badges
  states:
    - id: received
      label: {en: Received, cy: Wedi dod i law}
      description: {en: We will check your application within 10 working days, cy: Byddwn yn gwirio}
    - id: assessing
      label: {en: Being assessed, cy: Yn cael ei asesu}
    - id: more_information
      label: {en: Waiting for more information, cy: Aros am ragor o wybodaeth}
      waiting_for_resident: true
      description: {en: We have asked you for more information, cy: Rydym wedi gofyn}
    - id: approved
      label: {en: Approved, cy: Cymeradwywyd}
      final: true
      description: {en: Your badge will arrive by post, cy: Bydd eich bathodyn yn cyrraedd}
    - id: refused
      label: {en: Refused, cy: Gwrthodwyd}
      final: true
  transitions:
    - id: start_assessment
      from: [received]
      to: assessing
      label: {en: Start assessment, cy: Dechrau asesu}
      roles: [caseworker, team_manager]
    - id: ask_for_information
      from: [received, assessing]
      to: more_information
      label: {en: Ask for more information, cy: Gofyn am wybodaeth}
      roles: [caseworker, team_manager]
    - id: information_received
      from: [more_information]
      to: assessing
      label: {en: Information received, cy: Gwybodaeth wedi dod}
      roles: [caseworker, team_manager]
    - id: approve
      from: [received, assessing]
      to: approved
      label: {en: Approve, cy: Cymeradwyo}
      roles: [team_manager]
    - id: refuse
      from: [received, assessing]
      to: refused
      label: {en: Refuse, cy: Gwrthod}
      roles: [caseworker, team_manager]
      requires_reason: true
  rules:
    - id: pip_automatic
      on: submitted
      when: receives_pip == true
      transition: start_assessment
    - id: pip_fast_track
      on: entered:assessing
      when: receives_pip == true && age >= 65
      transition: approve
notifications:
  - {on: submitted, channel: email, template: received}
  - {on: "entered:approved", channel: email, template: approved}
  - {on: "transition:refuse", channel: sms, template: refused_sms}
templates:
  - id: received
    subject: {en: "We have your application ((reference))", cy: "Mae eich cais gennym ((reference))"}
    body:
      en: "Dear ((name)), we received your application ((reference))."
      cy: "Annwyl ((name)), cawsom eich cais ((reference))."
  - id: approved
    subject: {en: "Blue Badge approved", cy: "Bathodyn Glas wedi ei gymeradwyo"}
    body: {en: "Your application ((reference)) is approved.", cy: "Mae eich cais ((reference)) wedi ei gymeradwyo."}
  - id: refused_sms
    body: {en: "Your application ((reference)) was refused.", cy: "Gwrthodwyd eich cais ((reference))."}
retention:
  days: 365
  action: anonymise
"""


def publish(organisation: Organisation, source: str, *, number: int = 1) -> DefinitionVersion:
    definition = parse_definition(source)
    service, _ = Service.objects.get_or_create(
        organisation=organisation, slug=definition.id, defaults={"title": definition.title.en, "lgsl": definition.lgsl}
    )
    return DefinitionVersion.objects.create(
        service=service,
        number=number,
        status=DefinitionStatus.PUBLISHED,
        source=source,
        document=definition_to_document(definition),
        published_at=timezone.now(),
    )


@pytest.fixture
def blue_badge(county: Organisation) -> DefinitionVersion:
    return publish(county, BLUE_BADGE)


@pytest.fixture
def answers() -> dict[str, Any]:
    return {
        "full_name": "Gwen Jones",
        "email": "Gwen@Example.test",
        "phone": "07700 900123",
        "postcode": "dn1 2ab",
        "receives_pip": False,
        "age": 40,
    }


@pytest.fixture
def open_case(county: Organisation, blue_badge: DefinitionVersion, answers: dict[str, Any]):  # type: ignore[no-untyped-def]
    from townhall.cases.services import case_open

    def make(**changes: Any) -> Any:
        return case_open(
            organisation=county,
            version=blue_badge,
            answers={**answers, **changes},
            channel="online",
            actor=None,
        )

    return make
