"""Casework at scale (issue 4): a million cases in PostgreSQL, and how fast staff can work them.

Seeds 1,000,000 cases (``--quick``: 50,000) across 4 councils and the 5 demo services (each council
publishes or adopts all five, through the catalogue's services), with what a real case has around it:
its answers (generated from each definition's questions), names and postcodes, a journey submission
for online cases, a timeline (opened, assigned, decided, notes), an assignee from the council's
caseworkers, a state of its workflow, a due date from its service-level clock, and the resident's
confirmation email with its delivery event. Rows go in with PostgreSQL ``COPY`` (psycopg's
``cursor.copy``), with the secondary indexes dropped during the load and rebuilt after it, and
foreign-key triggers off as ``pg_restore --disable-triggers`` does; seeding time counts all of it
plus ``VACUUM ANALYZE``.

Then it times, through the code the views run, with random inputs and after a short warm-up:

* the work queue with filters: ``case_list`` as the queue view uses it (``CappedPaginator`` count, up to 10,000, and
  the first page of 25 rows with their service and assignee);
* search by reference, name and postcode: the same, with ``q``;
* the case page: Django's test ``Client`` GET of the real URL, signed in as a caseworker with a
  verified authenticator (the whole view: ``case_page``, notifications, template);
* the queue page: the same for the queue's URL with filters;
* baseline: ``Case.objects.get(pk=...)``, one primary-key lookup through the ORM.

The database is ``townhall_bench_cases`` on the local PostgreSQL, created, migrated and dropped by the
benchmark. Everything runs in a child process (``python -m bench.cases_scale_bench measure``) so the
parent's Django settings are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

NAME = "cases-scale"
ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "townhall_bench_cases"
GOAL_MS = 100.0  # p95, issue 4
SAMPLES = 200
WARMUP = 20
PAGE_SIZE = 25  # the queue view's


def _words(text: str, sep: str = " ") -> list[str]:
    return text.split(sep)


COUNCILS = [  # slug, name, kind, code; the first two own the demo definitions
    ("mid-downs", "Mid Downs District Council", "district_council", "E07000901"),
    ("downshire", "Downshire County Council", "county_council", "E10000901"),
    ("vale-of-downs", "Vale of Downs District Council", "district_council", "E07000902"),
    ("west-downs", "West Downs Borough Council", "district_council", "E07000903"),
]
CASEWORKERS = 24  # per council, plus one team manager

FIRST = _words(
    "Aisha Alan Alice Amir Amy Ana Ben Beth Carl Carys Chloe Chris Dafydd Dan David Dewi Eleri Ella Emma "
    "Eve Faisal Fatima Finn Gareth Grace Gwen Hannah Harry Huw Imran Isla Jack Jade James Jan Joe John "
    "Josh Kate Kofi Laura Leah Liam Lily Lucy Luke Maria Marek Mark Mei Mia Mohammed Nia Noah Olivia Omar "
    "Oscar Owen Paul Priya Rhys Rosie Ruth Ryan Sam Sara Sian Sophie Tom Wei Will Yusuf Zara Zoe"
)
LAST = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson "
    "Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin "
    "Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson "
    "Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell "
    "Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson "
    "Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes "
    "Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham "
    "Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox "
    "Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton Okafor "
    "Mensah Nowak Chen Adeyemi Kowalski Nguyen Rahman Ahmed Iqbal Sharma"
)
OUTWARD = [f"{area}{n}" for area in ("DN", "LS", "HU", "YO", "S", "WF", "HD", "BD") for n in range(1, 21)]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = _words(
    "High Street,Church Road,Station Road,Mill Lane,Park Avenue,Victoria Road,Green Lane,Manor Way",
    ",",
)
PLACEHOLDERS = {key: f"@@{key}@@" for key in ("name", "email", "postcode", "line1", "town")}
ANSWER_POOL = 200
TOWNS = _words(
    "Downton,Millbridge,Ashby,Kirkham,Elmwood,Oakford,Thornby,Riverside",
    ",",
)


# --- the child process: seed and measure -----------------------------------------------------------------


def _log(message: str) -> None:
    print(f"  [{NAME} {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _world() -> dict[str, Any]:
    """Four councils, each with the five demo services published, and caseworkers."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
    from townhall.catalogue.services import definition_import, definition_publish
    from townhall.catalogue.services.versions import definition_adopt
    from townhall.core.roles import Role
    from townhall.core.services.organisations import membership_grant, organisation_create, staff_create

    orgs = [
        organisation_create(actor=None, slug=slug, name=name, kind=kind, code=code)
        for slug, name, kind, code in COUNCILS
    ]
    by_code = {o.code: o for o in orgs}
    originals = []
    for path in sorted((ROOT / "definitions").glob("*.yaml")):
        source = path.read_text(encoding="utf-8")
        code = next(line.split(":", 1)[1].strip() for line in source.splitlines() if line.startswith("organisation:"))
        originals.append(
            definition_import(actor=None, organisation=by_code[code], source=source, filename=path.name, publish=True)
        )
    for org in orgs:
        for original in originals:
            if original.service.organisation_id != org.pk:
                draft = definition_adopt(actor=None, organisation=org, source_version=original)
                definition_publish(actor=None, organisation=org, version=draft)
    versions = list(
        DefinitionVersion.objects.filter(status=DefinitionStatus.PUBLISHED).select_related("service__organisation")
    )
    staff: dict[int, list[Any]] = {}
    for org in orgs:
        people = []
        for n in range(CASEWORKERS + 1):
            first, last = FIRST[(n * 7 + org.pk) % len(FIRST)], LAST[(n * 11 + org.pk) % len(LAST)]
            user = staff_create(
                username=f"{org.slug}-{n:02d}",
                email=f"{first}.{last}.{n}@{org.slug}.example".lower(),
                password=None,
                full_name=f"{first} {last}",
            )
            role = Role.TEAM_MANAGER if n == CASEWORKERS else Role.CASEWORKER
            membership_grant(actor=None, organisation=org, user=user, role=role)
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            people.append(user)
        staff[org.pk] = people
    return {"orgs": orgs, "versions": versions, "staff": staff}


def _postcode(rng: random.Random) -> str:
    return f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _answer(question: Any, rng: random.Random, person: dict[str, str]) -> Any:
    from townhall.catalogue.model import QuestionType as T

    kind, role = question.type, question.pii_role
    if role == "name" or (kind == T.TEXT and "name" in question.id):
        return person["name"]
    if kind == T.EMAIL:
        return person["email"]
    if kind == T.PHONE:
        return f"07700 900{rng.randint(0, 999):03d}"
    if kind == T.POSTCODE:
        return person["postcode"]
    if kind == T.ADDRESS:
        return {"line1": person["line1"], "line2": "", "town": person["town"], "postcode": person["postcode"]}
    if kind == T.TEXT:
        return rng.choice(("Sofa and two chairs", "Wheelchair user", "Side gate", "Ground floor flat"))
    if kind == T.TEXTAREA:
        return "Please call before visiting. " * rng.randint(1, 4)
    if kind == T.NUMBER:
        low, high = int(question.minimum or 1), int(question.maximum or 90)
        return rng.randint(low, max(low, min(high, low + 80)))
    if kind == T.MONEY:
        return rng.randint(0, 2000)
    if kind == T.DATE:
        return (date(2026, 1, 1) - timedelta(days=rng.randint(0, 30000))).isoformat()
    if kind in (T.RADIOS, T.SELECT):
        return rng.choice(question.options).value if question.options else ""
    if kind == T.CHECKBOXES:
        return [o.value for o in rng.sample(question.options, min(2, len(question.options)))]
    if kind == T.YES_NO:
        return rng.random() < 0.5
    if kind == T.GROUP:
        return [{q.id: _answer(q, rng, person) for q in question.questions} for _ in range(rng.randint(1, 3))]
    return None  # files: uploads are not seeded


def _copy(cursor: Any, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (column name → value) into ``model``'s table; missing columns take the field default."""
    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    defaults = {f.column: (f.get_default() if f.has_default() else None) for f in fields}
    for f in fields:
        if f.get_internal_type() == "JSONField":
            defaults[f.column] = json.dumps(defaults[f.column] if defaults[f.column] is not None else {})
        elif defaults[f.column] is None and not f.null and f.get_internal_type() in ("CharField", "TextField"):
            defaults[f.column] = ""
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] if c in row else defaults[c] for c in columns])
            count += 1
    return count


def _secondary_indexes(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    """Indexes not backing a constraint (those stay), as (name, CREATE INDEX statement)."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [tables],
    )
    return list(cursor.fetchall())


def _seed(world: dict[str, Any], count: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from townhall.cases import clocks
    from townhall.cases.models import Case, CaseEvent
    from townhall.cases.references import ALPHABET
    from townhall.journeys.models import Submission
    from townhall.notifications.models import Notification, NotificationEvent

    now = timezone.now()
    today = timezone.localdate()
    versions = world["versions"]
    info = {}
    for v in versions:
        d = v.definition()
        wf = d.workflow
        finals = [s.id for s in wf.states if s.final]
        opens = [s.id for s in wf.states if not s.final]
        waiting = {s.id for s in wf.states if s.waiting_for_resident}
        into = {t.target: t.id for t in wf.transitions}
        questions = d.all_questions()
        # Answers come from a pool per version (generated from its questions) with the person's
        # details substituted: generating every answer of a million cases afresh is needlessly slow.
        templates = [
            json.dumps({q.id: a for q in questions if (a := _answer(q, rng, PLACEHOLDERS)) is not None})
            for _ in range(ANSWER_POOL)
        ]
        has_name = any(q.pii_role == "name" for q in questions)
        info[v.pk] = (d, wf, finals, opens, waiting, into, templates, has_name)
    staff = {org_pk: list(people) for org_pk, people in world["staff"].items()}
    due_cache: dict[tuple[date, int], date] = {}
    references: set[str] = set()
    days_back = 730
    # Cases are generated oldest first, so ids rise with received_at as they do in life.
    offsets = sorted(rng.random() * days_back for _ in range(count))
    case_rows: list[tuple[Any, ...]] = []  # (id, org, reference, received_at, email, decided, state, start, ...)

    def cases() -> Iterator[dict[str, Any]]:
        for i, offset in enumerate(reversed(offsets), start=1):
            version = rng.choice(versions)
            d, wf, finals, opens, waiting, into, templates, has_name = info[version.pk]
            org_pk = version.service.organisation_id
            received = now - timedelta(days=offset, seconds=rng.randint(0, 86_399))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            while (ref := "".join(rng.choices(ALPHABET, k=8))) in references:
                pass
            references.add(ref)
            reference = f"{ref[:4]}-{ref[4:]}"
            person = {
                "name": f"{first} {last}",
                "email": f"{first}.{last}{rng.randint(1, 999)}@example.test".lower(),
                "postcode": _postcode(rng),
                "line1": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                "town": rng.choice(TOWNS),
            }
            answers = rng.choice(templates)
            for key, placeholder in PLACEHOLDERS.items():
                answers = answers.replace(placeholder, person[key])
            name = person["name"] if has_name else ""
            sl = wf.service_level_days or 10
            age = (now - received).days
            open_ = rng.random() < (0.85 if age < sl * 2 else 0.02)
            state = rng.choice(opens) if open_ else rng.choice(finals)
            decided_at = None if open_ else received + timedelta(days=rng.uniform(0.2, sl * 1.6))
            if decided_at is not None and decided_at > now:
                decided_at = now
            received_on = received.date()
            due = due_cache.get((received_on, sl))
            if due is None:
                due = due_cache[(received_on, sl)] = clocks.due_date(received_on, sl, 0)
            assignee = rng.choice(staff[org_pk][:CASEWORKERS]) if rng.random() < 0.75 else None
            channel = rng.choices(("online", "phone", "face_to_face", "post"), (80, 14, 4, 2))[0]
            paused = received + timedelta(days=1) if open_ and state in waiting else None
            case_rows.append(
                (
                    i,
                    org_pk,
                    reference,
                    received,
                    person["email"],
                    decided_at,
                    state,
                    wf.start,
                    assignee,
                    channel,
                    version,
                    into.get(state, ""),
                    d,
                )
            )
            yield {
                "id": i,
                "created_at": received,
                "updated_at": decided_at or received,
                "reference": reference,
                "state": state,
                "channel": channel,
                "answers": answers,
                "resident_email": person["email"],
                "resident_name": name,
                "postcode": person["postcode"],
                "language": "en",
                "team": wf.default_team,
                "received_at": received,
                "decided_at": decided_at,
                "due_on": due,
                "paused_since": paused,
                "paused_working_days": 0,
                "escalated_at": received + timedelta(days=sl * 1.5) if open_ and due < today else None,
                "name_search": name.lower(),
                "postcode_search": person["postcode"].replace(" ", ""),
                "assignee_id": assignee.pk if assignee else None,
                "organisation_id": org_pk,
                "version_id": version.pk,
            }

    def events() -> Iterator[dict[str, Any]]:
        n = 0
        for cid, org_pk, _ref, received, _email, decided_at, state, start, assignee, channel, _v, via, _d in case_rows:
            n += 1
            yield {"id": n, "organisation_id": org_pk, "case_id": cid, "kind": "opened", "occurred_at": received,
                   "actor_label": "Resident" if channel == "online" else "Townhall", "to_state": start,
                   "data": json.dumps({"channel": channel})}  # fmt: skip
            if assignee is not None:
                n += 1
                yield {"id": n, "organisation_id": org_pk, "case_id": cid, "kind": "assigned",
                       "occurred_at": received + timedelta(hours=3), "actor_id": assignee.pk,
                       "actor_label": assignee.get_full_name(),
                       "data": json.dumps({"to": assignee.username})}  # fmt: skip
            if rng.random() < 0.15:
                n += 1
                yield {"id": n, "organisation_id": org_pk, "case_id": cid, "kind": "note",
                       "occurred_at": received + timedelta(hours=20), "actor_id": assignee.pk if assignee else None,
                       "actor_label": assignee.get_full_name() if assignee else "Townhall",
                       "text": "Called the resident to check the details; all correct."}  # fmt: skip
            if state != start:
                n += 1
                when = decided_at or received + timedelta(days=1)
                yield {"id": n, "organisation_id": org_pk, "case_id": cid, "kind": "transition", "occurred_at": when,
                       "actor_id": assignee.pk if assignee else None,
                       "actor_label": assignee.get_full_name() if assignee else "Townhall",
                       "from_state": start, "to_state": state, "transition": via,
                       "text": "Decided on the evidence given." if decided_at else ""}  # fmt: skip

    def submissions() -> Iterator[dict[str, Any]]:
        for cid, org_pk, ref, received, email, _dec, _state, _s, _a, channel, version, _via, d in case_rows:
            if channel != "online":
                continue
            yield {"id": cid, "created_at": received, "updated_at": received, "reference": ref, "channel": channel,
                   "language": "en", "resident_email": email, "case_id": cid, "organisation_id": org_pk,
                   "version_id": version.pk,
                   "response": json.dumps({"reference": ref, "service": d.id, "version": version.number,
                                           "status": d.workflow.state(d.workflow.start).label.en,
                                           "what_happens_next": ""})}  # fmt: skip

    def notifications() -> Iterator[dict[str, Any]]:
        for cid, org_pk, ref, received, email, _dec, _st, _s, _a, _c, _v, _via, d in case_rows:
            sent = received + timedelta(seconds=rng.randint(2, 60))
            yield {"id": cid, "organisation_id": org_pk, "created_at": received, "updated_at": sent,
                   "channel": "email", "to": email,
                   "subject": f"{d.title.en}: we have your application", "language": "en",
                   "body": f"Your reference is {ref}. We will be in touch.", "case_reference": ref,
                   "kind": "submitted", "status": "delivered", "attempts": 1, "next_attempt_at": received,
                   "accepted_at": sent, "completed_at": sent, "provider": "local", "provider_id": uuid.uuid4().hex,
                   "reference": f"th-{uuid.uuid4()}"}  # fmt: skip

    def notification_events() -> Iterator[dict[str, Any]]:
        for cid, _org, _ref, received, *_rest in case_rows:
            yield {"id": cid, "notification_id": cid, "occurred_at": received + timedelta(seconds=30),
                   "status": "delivered", "attempt": 1, "detail": ""}  # fmt: skip

    tables = [Case, CaseEvent, Submission, Notification, NotificationEvent]
    rows: dict[str, int] = {}
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        indexes = _secondary_indexes(cursor, [m._meta.db_table for m in tables])
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK triggers during the load
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        for model, rows_of in zip(
            tables, (cases, events, submissions, notifications, notification_events), strict=True
        ):
            start = time.perf_counter()
            rows[model._meta.db_table] = _copy(raw, model, rows_of())
            _log(f"{model._meta.db_table}: {rows[model._meta.db_table]:,} rows in {time.perf_counter() - start:.1f} s")
        cursor.execute("SET session_replication_role = DEFAULT")
        copied = time.perf_counter() - began
        for model in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{model._meta.db_table}"))'
            )
        start = time.perf_counter()
        for _name, statement in indexes:
            cursor.execute(statement)
        indexed = time.perf_counter() - start
        _log(f"{len(indexes)} secondary indexes rebuilt in {indexed:.1f} s")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analysed = time.perf_counter() - start
    _log(f"VACUUM ANALYZE in {analysed:.1f} s")
    total = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {
        "rows": rows,
        "copy_s": copied,
        "index_s": indexed,
        "analyse_s": analysed,
        "total_s": total,
        "indexes_rebuilt": len(indexes),
        "db_bytes": size,
        "case_rows": [(r[0], r[1], r[2]) for r in case_rows],
    }


def _timed(fn: Callable[[random.Random], Any], rng: random.Random, samples: int) -> list[float]:
    for _ in range(WARMUP):
        fn(rng)
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn(rng)
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def _measure(world: dict[str, Any], seeded: dict[str, Any], samples: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from townhall.cases.models import Case
    from townhall.cases.paging import CappedPaginator
    from townhall.cases.selectors import CaseFilters, case_list, my_work

    orgs = world["orgs"]
    staff = world["staff"]
    by_org: dict[int, list[tuple[int, str]]] = {}
    for cid, org_pk, ref in seeded["case_rows"]:
        by_org.setdefault(org_pk, []).append((cid, ref))
    ids = [cid for cid, _org, _ref in seeded["case_rows"]]
    slugs = sorted({v.service.slug for v in world["versions"]})
    open_states = sorted({s.id for v in world["versions"] for s in v.definition().workflow.states if not s.final})
    # Names and postcodes residents actually gave, to search for.
    sample_rows = list(
        Case.objects.exclude(resident_name="")
        .order_by("?")
        .values_list("organisation_id", "resident_name", "postcode")[:2000]
    )

    clients = {}
    for org in orgs:
        user = staff[org.pk][0]
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        clients[org.pk] = client

    def pick(rng: random.Random) -> tuple[Any, Any]:
        org = rng.choice(orgs)
        return org, staff[org.pk][0]

    def page(org: Any, actor: Any, filters: CaseFilters) -> int:
        """What the queue view does with the selector: count (up to the cap), then the first page's rows."""
        cases = case_list(organisation=org, actor=actor, filters=filters)
        shown = CappedPaginator(cases, PAGE_SIZE).get_page(1)
        rows = list(shown.object_list)
        for case in rows:  # the template reads these
            _ = (case.version.service.title, case.assignee.username if case.assignee else "")
        return shown.paginator.count

    def queue(make: Callable[[random.Random, Any], CaseFilters]) -> Callable[[random.Random], Any]:
        def run(rng: random.Random) -> Any:
            org, actor = pick(rng)
            return page(org, actor, make(rng, org))

        return run

    def search(kind: str) -> Callable[[random.Random], Any]:
        def run(rng: random.Random) -> Any:
            if kind == "reference":
                org, actor = pick(rng)
                ref = rng.choice(by_org[org.pk])[1]
                q = rng.choice((ref, ref.lower().replace("-", ""), ref.replace("-", " ")))
            else:
                org_pk, name, postcode = rng.choice(sample_rows)
                org = next(o for o in orgs if o.pk == org_pk)
                actor = staff[org.pk][0]
                if kind == "name":
                    _first, last = name.split(" ", 1)
                    q = rng.choice((name, last, name.lower()))
                elif kind == "surname-part":
                    q = name.split(" ", 1)[1][:4]
                elif kind == "postcode":
                    q = rng.choice((postcode, postcode.replace(" ", "").lower()))
                else:  # postcode district, as people type the start of one
                    q = postcode.split(" ")[0] + " " + postcode.split(" ")[1][:1]
            count = page(org, actor, CaseFilters(q=q))
            if kind in ("reference", "postcode") and count < 1:
                raise AssertionError(f"search for {q!r} found nothing")
            return count

        return run

    def case_page(rng: random.Random) -> Any:
        org = rng.choice(orgs)
        ref = rng.choice(by_org[org.pk])[1]
        url = reverse("cases:case", kwargs={"organisation_slug": org.slug, "reference": ref})
        response = clients[org.pk].get(url)
        if response.status_code != 200 or ref.encode() not in response.content:
            raise AssertionError(f"GET {url}: {response.status_code}")

    def queue_page(params: Callable[[random.Random, Any], dict[str, str]]) -> Callable[[random.Random], Any]:
        def run(rng: random.Random) -> Any:
            org = rng.choice(orgs)
            url = reverse("cases:queue", kwargs={"organisation_slug": org.slug})
            response = clients[org.pk].get(url, params(rng, org))
            if response.status_code != 200:
                raise AssertionError(f"GET {url}: {response.status_code}")

        return run

    def my_work_page(rng: random.Random) -> Any:
        org, actor = pick(rng)
        shown = CappedPaginator(my_work(organisation=org, actor=actor), PAGE_SIZE).get_page(1)
        return [case.version.service.title for case in shown.object_list], shown.paginator.count

    def baseline(rng: random.Random) -> Any:
        return Case.objects.get(pk=rng.choice(ids))

    def someone(rng: random.Random, org: Any) -> str:
        return str(rng.choice(staff[org.pk][:CASEWORKERS]).username)

    operations: list[tuple[str, str, Callable[[random.Random], Any]]] = [
        ("baseline", "`Case.objects.get(pk=…)` (baseline)", baseline),
        ("queue", "queue: no filters, newest first", queue(lambda r, o: CaseFilters())),
        ("queue", "queue: state (an open state)", queue(lambda r, o: CaseFilters(state=r.choice(open_states)))),
        ("queue", "queue: service", queue(lambda r, o: CaseFilters(service=r.choice(slugs)))),
        ("queue", "queue: assigned to me", queue(lambda r, o: CaseFilters(assignee="me"))),
        ("queue", '"My work" (`my_work`: my open cases, due first)', my_work_page),
        ("queue", "queue: assigned to a colleague", queue(lambda r, o: CaseFilters(assignee=someone(r, o)))),
        ("queue", "queue: unassigned", queue(lambda r, o: CaseFilters(assignee="none"))),
        ("queue", "queue: overdue, due first", queue(lambda r, o: CaseFilters(overdue=True, sort="due"))),
        (
            "queue",
            "queue: service + state + overdue",
            queue(lambda r, o: CaseFilters(service=r.choice(slugs), state=r.choice(open_states), overdue=True)),
        ),
        ("search", "search: reference", search("reference")),
        ("search", "search: full name or surname", search("name")),
        ("search", "search: start of a surname (4 letters)", search("surname-part")),
        ("search", "search: full postcode", search("postcode")),
        ("search", 'search: postcode sector ("DN4 7")', search("postcode-sector")),
        ("page", "case page (GET, whole view)", case_page),
        ("page", "queue page (GET, whole view, no filters)", queue_page(lambda r, o: {})),
        (
            "page",
            "queue page (GET, whole view, state + overdue)",
            queue_page(lambda r, o: {"state": r.choice(open_states), "overdue": "1", "sort": "due"}),
        ),
        (
            "page",
            "queue page (GET, whole view, search by name)",
            queue_page(lambda r, o: {"q": r.choice(sample_rows)[1]}),
        ),
    ]
    only = os.environ.get("CASES_SCALE_ONLY", "")
    results = []
    for group, label, fn in operations:
        if only and group != "baseline" and only not in label:
            continue
        rng = random.Random(zlib.crc32(label.encode()))
        ms = _timed(fn, rng, samples)
        _log(f"{label}: p50 {_p(ms, 0.5):.1f} ms, p95 {_p(ms, 0.95):.1f} ms")
        results.append({"group": group, "label": label, "ms": ms})
    return {"results": results}


def _rebuild(world: dict[str, Any]) -> dict[str, Any]:
    """Issue 7: rebuild insight and every open dataset over the seeded cases, in SQL aggregates.

    The rebuild is what runs nightly: ``insight_rebuild`` summarises every closed month of every
    service of every council in one pass, then every standard dataset of every council is published
    afresh from it. After it, every council's dashboards (all services and each service, the last 12
    months against the 12 before, and benchmarking) are read as the pages read them. The baseline is
    one grouped count of every case by organisation, service and month: the least any rebuild reads.
    """
    from django.db import connection
    from django.utils import timezone

    from townhall.insight.periods import Period, add_months, default_period
    from townhall.insight.selectors.benchmark import benchmark_get
    from townhall.insight.selectors.dashboard import dashboard_get
    from townhall.insight.services.rebuild import insight_rebuild
    from townhall.opendata.models import Dataset
    from townhall.opendata.services import dataset_publish, datasets_create_standard

    orgs = world["orgs"]
    slugs = sorted({v.service.slug for v in world["versions"]})
    for org in orgs:
        org.benchmarking_opt_in = True
        org.save(update_fields=["benchmarking_opt_in"])
        datasets_create_standard(organisation=org, actor=None)
    period = default_period(timezone.localdate())
    comparison = Period(add_months(period.start, -12), add_months(period.end, -12))

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.organisation_id, v.service_id, date_trunc('month', c.received_at), count(*)"
            " FROM cases_case c JOIN catalogue_definitionversion v ON v.id = c.version_id GROUP BY 1, 2, 3"
        )
        groups = len(cursor.fetchall())
    baseline_s = time.perf_counter() - start

    start = time.perf_counter()
    summary = insight_rebuild()
    summary_s = time.perf_counter() - start

    start = time.perf_counter()
    rows = 0
    datasets = list(Dataset.objects.select_related("organisation").order_by("pk"))
    for dataset in datasets:
        version = dataset_publish(dataset=dataset, actor=None)
        rows += version.row_count if version is not None else 0
    datasets_s = time.perf_counter() - start

    start = time.perf_counter()
    dashboards = 0
    for org in orgs:
        manager = world["staff"][org.pk][-1]  # the team manager may view insight
        for slug in [None, *slugs]:
            dashboard_get(organisation=org, actor=manager, service_slug=slug, period=period, comparison=comparison)
            dashboards += 1
        benchmark_get(organisation=org, actor=manager, period=period)
        dashboards += 1
    dashboards_s = time.perf_counter() - start
    _log(
        f"summarised {summary.rows if summary else 0:,} service-months in {summary_s:.1f} s, published"
        f" {len(datasets)} datasets ({rows:,} rows) in {datasets_s:.1f} s, then read {dashboards} dashboards in"
        f" {dashboards_s:.1f} s; baseline grouped count {baseline_s:.1f} s"
    )
    return {
        "baseline_s": baseline_s,
        "groups": groups,
        "summary_s": summary_s,
        "summary_rows": summary.rows if summary else 0,
        "dashboards": dashboards,
        "dashboards_s": dashboards_s,
        "datasets": len(datasets),
        "dataset_rows": rows,
        "datasets_s": datasets_s,
    }


def _role_measure(count: int, samples: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - start
    _log(f"migrated in {migrated:.1f} s")
    world = _world()
    _log(f"{len(world['orgs'])} organisations, {len(world['versions'])} published versions")
    rng = random.Random(4)
    seeded = _seed(world, count, rng)
    _log(f"seeded {count:,} cases in {seeded['total_s']:.1f} s")
    measured = _measure(world, seeded, samples)
    rebuilt = _rebuild(world)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    seeded.pop("case_rows")
    json.dump(
        {
            "count": count,
            "samples": samples,
            "server": server,
            "shared_buffers": buffers,
            "seed": seeded,
            "rebuild": rebuilt,
            **measured,
        },
        sys.stdout,
    )


# --- the benchmark ----------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _p(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def _load() -> str:
    try:
        return ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # pragma: no cover
        return "unknown"


def run(quick: bool = False) -> str:
    count = 50_000 if quick else 1_000_000
    samples = SAMPLES
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "DEBUG": "0",  # as in production: no query log
        "AXES_ENABLED": "0",
        "CONN_MAX_AGE": "60",
        "PYTHONUNBUFFERED": "1",
    }
    load_before = _load()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.cases_scale_bench",
                "measure",
                "--count",
                str(count),
                "--samples",
                str(samples),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            timeout=4 * 3600,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"the measuring process failed ({done.returncode}); see its output above")
        data = json.loads(done.stdout)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    return _report(data, load_before, _load())


def _report(data: dict[str, Any], load_before: str, load_after: str) -> str:
    seed = data["seed"]
    rows = seed["rows"]
    total_rows = sum(rows.values())
    results = data["results"]
    base = next(r for r in results if r["group"] == "baseline")["ms"]
    base95 = _p(base, 0.95)
    lines = [
        "## Casework at scale (issue 4)",
        "",
        f"{data['count']:,} cases across 4 councils and 5 services (each council runs all five demo services)"
        f" in PostgreSQL {data['server'].split()[0]} (shared_buffers {data['shared_buffers']},"
        " server defaults otherwise),"
        f" with {total_rows - data['count']:,} related rows: timeline events, journey submissions, confirmation emails"
        " and their delivery events.",
        "",
        "### Seeding",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| `COPY` of {total_rows:,} rows (secondary indexes dropped, FK triggers off) | {seed['copy_s']:.1f} |",
        f"| rebuilding {seed['indexes_rebuilt']} secondary indexes | {seed['index_s']:.1f} |",
        f"| `VACUUM ANALYZE` | {seed['analyse_s']:.1f} |",
        f"| **total** | **{seed['total_s']:.1f}** |",
        "",
        f"{data['count'] / seed['total_s']:,.0f} cases/s and {total_rows / seed['total_s']:,.0f} rows/s end to end"
        f" ({total_rows / seed['copy_s']:,.0f} rows/s during `COPY`); database size"
        f" {seed['db_bytes'] / 2**30:.2f} GiB. Rows per table: "
        + ", ".join(f"`{table}` {n:,}" for table, n in rows.items())
        + ".",
        "",
        "### Response times",
        "",
        f"{data['samples']} samples each with random inputs (organisation, filter values, references, names and"
        f" postcodes residents gave), after {WARMUP} warm-up calls. Queue and search rows run `case_list` as the"
        " queue view does: the `CappedPaginator` count (stopping at 10,000) and the first page of"
        f" {PAGE_SIZE} with service and assignee."
        " Pages are Django's test `Client` GETs of the real URLs, signed in as a caseworker (middleware,"
        " selectors, Jinja2 templates). Goal: p95 ≤ 100 ms.",
        "",
        "| operation | p50 | p95 | p99 | p95 ÷ baseline | goal |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ms = r["ms"]
        p95 = _p(ms, 0.95)
        goal = "" if r["group"] == "baseline" else ("met" if p95 <= GOAL_MS else "**missed**")
        lines.append(
            f"| {r['label']} | {_p(ms, 0.5):.1f} ms | {p95:.1f} ms | {_p(ms, 0.99):.1f} ms |"
            f" {p95 / base95:,.0f}× | {goal} |"
        )
    missed = [r["label"] for r in results if r["group"] != "baseline" and _p(r["ms"], 0.95) > GOAL_MS]
    lines += [
        "",
        (
            f"Every operation meets the goal ({len(results) - 1} of {len(results) - 1})."
            if not missed
            else f"Missed: {', '.join(missed)}."
        ),
    ]
    rebuilt = data["rebuild"]
    base = rebuilt["baseline_s"]
    total = rebuilt["summary_s"] + rebuilt["datasets_s"]
    per_dashboard = rebuilt["dashboards_s"] / rebuilt["dashboards"]
    lines += [
        "",
        "### Rebuilding insight and open data (issue 7)",
        "",
        "Over the same cases, as the nightly job runs it: `insight_rebuild` summarises every closed month of"
        " every service of every council in one pass of grouped SQL (`manage.py insight_rebuild`), then every"
        " standard open dataset of every council is published afresh from the summaries. After it, every"
        " council's dashboards are read as the pages read them (all services and each service, the last 12"
        " months against the 12 before, and benchmarking): closed months from the summaries, this month from"
        " the records. The baseline is one grouped count of every case by organisation, service and month."
        " Goal: the rebuild in 30 s or less.",
        "",
        "| step | seconds | ÷ baseline |",
        "|---|---|---|",
        f"| baseline: grouped count ({rebuilt['groups']:,} groups) | {base:.2f} | 1× |",
        f"| summarise {rebuilt['summary_rows']:,} service-months | {rebuilt['summary_s']:.2f} |"
        f" {rebuilt['summary_s'] / base:.1f}× |",
        f"| publish {rebuilt['datasets']} datasets ({rebuilt['dataset_rows']:,} rows) | {rebuilt['datasets_s']:.2f} |"
        f" {rebuilt['datasets_s'] / base:.1f}× |",
        f"| **the rebuild** | **{total:.2f}** | {total / base:.1f}× |",
        f"| then read {rebuilt['dashboards']} dashboards and benchmarkings | {rebuilt['dashboards_s']:.2f} |"
        f" {rebuilt['dashboards_s'] / base:.1f}× |",
        "",
        f"Goal of 30 s {'met' if total <= 30 else '**missed**'}. A dashboard then takes {per_dashboard:.2f} s on"
        " average to read: besides this month's figures, its median and 90th percentile days to decide over the"
        " whole period (and the comparison period) are computed from the records each time, since percentiles"
        " of months cannot be combined.",
        "",
        f"Load average (1, 5, 15 min) before {load_before}, after {load_after}; the machine is shared.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cases_scale_bench")
    sub = parser.add_subparsers(dest="role", required=True)
    measure = sub.add_parser("measure")
    measure.add_argument("--count", type=int, required=True)
    measure.add_argument("--samples", type=int, default=SAMPLES)
    args = parser.parse_args(argv)
    _role_measure(args.count, args.samples)


if __name__ == "__main__":
    main(sys.argv[1:])
