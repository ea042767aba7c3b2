"""Realistic generated ledgers for trying the program and for benchmarks.

Deterministic for a given seed and as-of date. Written through the storage layer's batched
path, so the change log is filled exactly as real work would fill it.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Callable, Iterator

from ...domain import credit_code
from ...domain.industry import DIVISIONS
from ...domain.policy import POOL_ORDER
from ...errors import UserError
from ...storage.ledger import monthly_figure_ids
from ..office.site import this_site
from ..policy import active_profile, evaluate
from . import reference
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

# 盂县's real townships (seed 003) first; more are made up from syllables when asked for.
# (the seven of its 2024 target allocation first, so `targets --load` finds them all)
KNOWN_TOWNSHIPS = ["秀水镇", "路家村镇", "南娄镇", "牛村镇", "北下庄乡", "上社镇", "西潘乡",
                   "苌池镇", "西烟镇", "仙人乡", "梁家寨乡", "孙家庄镇"]
_SYLLABLES = "安宝昌成大东丰福高广海和华惠吉嘉金锦景康乐利隆茂民明南宁平庆仁瑞山胜顺泰天通旺文祥新兴阳永裕源泽长正中"
_NAME_WORDS = ["恒达", "宏远", "鑫源", "金盛", "华泰", "永兴", "正大", "盛通", "宇航", "瑞丰", "汇通",
               "晋阳", "东方", "广源", "天成", "利民", "富强", "新华", "长城", "泰和", "润丰",
               "博远", "中科", "昌隆", "福瑞", "佳禾", "嘉诚", "鼎盛", "凯达", "顺安"]
_TRADES = {
    "06": "煤业", "08": "矿业", "10": "石料", "13": "粮油食品", "14": "食品", "15": "酒业",
    "17": "纺织", "18": "服饰", "20": "木业", "21": "家具", "22": "纸业", "23": "印务",
    "26": "化工", "27": "药业", "29": "塑料制品", "30": "耐火材料", "31": "钢铁", "33": "金属制品",
    "34": "机械", "35": "专用设备", "36": "汽车配件", "38": "电气", "39": "电子", "40": "仪表",
    "42": "再生资源", "44": "热电", "45": "燃气", "46": "水务",
}
_SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司", "制造有限公司", "科技有限公司"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌"
_FINDINGS = [
    "企业生产经营正常，订单饱满，预计全年营收同比增长{g}%。",
    "新建生产线已试运行，达产后年产值可增加约{n}万元。",
    "受原材料价格上涨影响，利润有所下降，但主营业务收入保持稳定。",
    "企业财务制度较为规范，已具备入规申报条件，正在准备申报材料。",
    "近期订单减少，部分生产线停产检修，需关注退规风险。",
    "企业计划扩大产能，正在办理项目备案手续。",
    "企业用电量与产值匹配，账务清晰，利润表与增值税申报表一致。",
]
_DEMANDS = {
    "finance": "希望协调银行提供流动资金贷款约{n}万元。",
    "land": "扩建项目需新增用地约{n}亩，请协调用地指标。",
    "labour": "招工困难，缺少熟练技术工人约{n}人。",
    "energy": "新增设备需增容变压器，请协调供电部门。",
    "approval": "环评审批进度较慢，请协调加快办理。",
    "market": "希望帮助对接本地重点项目，拓展销售渠道。",
    "technology": "计划进行技术改造，希望了解技改奖补政策。",
}
_DEMAND_KEYS = list(_DEMANDS)
_CATEGORY_DEPARTMENT = {"finance": "金融办", "land": "自然资源局", "labour": "人社局",
                        "energy": "能源局", "approval": "发改局", "market": "工信局",
                        "technology": "工信局"}
_SEASON = [0.62, 0.55, 0.95, 1.0, 1.02, 1.05, 0.98, 0.97, 1.04, 1.06, 1.12, 1.32]


def _township_names(rng: random.Random, count: int) -> list[str]:
    names = KNOWN_TOWNSHIPS[:count]
    while len(names) < count:
        candidate = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(["镇", "乡", "街道"])
        if candidate not in names:
            names.append(candidate)
    return names


def _org_code(rng: random.Random) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = "".join(rng.choice(chars) for _ in range(8))
        check = credit_code.org_check_character(body)
        if check in chars:
            return body + check


def random_credit_code(rng: random.Random, area6: str) -> str:
    """A valid credit code of the county `area6`, from the seeded generator (tests use it too)."""
    return credit_code.complete("91" + area6 + _org_code(rng))


# uuid.UUID(int=..., version=4) clears these bits and sets the version (4) and variant (RFC 4122)
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def _new_id(rng: random.Random) -> str:
    """Row ids from the seeded generator, so a seed always gives the same ledger: the hex of
    uuid.UUID(int=rng.getrandbits(128), version=4) without making the UUID (a province's
    1.35M ids: 2.0 µs each instead of 7.2 on the loaded machine; tests/test_demo.py compares
    both ways)."""
    return "%032x" % ((rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET)


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def generate(ledger: Ledger, *, enterprises: int = 300, townships: int = 8, seed: int = 1,
             as_of: date | None = None, months: int = 36,
             progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Fill an empty ledger (a ledger with enterprises is refused). Returns counts per table.

    Everything is written in one transaction (a kill leaves the ledger empty) and streamed in
    batches: the rows are made as they are written, only a small tuple per enterprise is
    kept, so a province (100,000 enterprises, 3.6M monthly figures, 1M visits) stays within
    1 GB of memory."""
    require(ledger, "demo")
    if ledger.scalar("SELECT count(*) FROM enterprises"):
        raise UserError("台账中已有企业，演示数据只能填入空台账。")
    rng = random.Random(seed)
    events = random.Random(seed * 7919 + 1)  # entries/exits, apart so other draws stay put
    as_of = as_of or date.today()
    report = progress or (lambda stage, done, total: None)
    county_code = this_site(ledger)["area_code"][:6]
    role = ledger.meta("role")
    counts: dict[str, int] = {}

    # periods: the `months` calendar months ending with the month before as_of
    first = date(as_of.year, as_of.month, 1)
    periods = []
    y, m = first.year, first.month
    for _ in range(months):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        periods.append((y, m))
    periods.reverse()

    # a rollback journal for the load (each page written once), then WAL again (storage)
    with ledger.rollback_journal(), ledger.transaction(), ledger.log_indexes_deferred():
        if role == "township":
            # its own row: after the county's package the list has every township of the county
            own = ledger.one("SELECT code, name FROM townships WHERE code = ?",
                             (this_site(ledger)["area_code"],))
            town_codes = [(own["code"], own["name"])]
        else:
            town_codes = []
            for i, name in enumerate(_township_names(rng, townships)):
                code = f"{county_code}{100 + i:03d}"
                reference.add_township(ledger, code, name)
                town_codes.append((code, name))
        if role == "township":  # departments come from the county's packages
            departments = {r["name"]: r["id"] for r in ledger.rows("SELECT id, name FROM departments")}
        else:
            departments = {name: reference.add_department(ledger, name)
                           for name in reference.STANDARD_DEPARTMENTS}
        counts["townships"] = len(town_codes)
        counts["departments"] = len(departments)

        divisions = [d for d in DIVISIONS if d in _TRADES]
        # What later stages need of each enterprise, kept compact (a tuple each, not the
        # row): the rows themselves are streamed into the ledger as they are made.
        plans: list[tuple[str, int, float, int]] = []  # id, base annual revenue, trend, staff
        pools: list[dict] = []  # {"id", "pool"}: what pools_by_profile reads and updates
        used_codes: set[str] = set()
        last_full_year = as_of.year - 1

        def enterprise_rows() -> Iterator[dict]:
            for i in range(enterprises):
                township_code, township_name = town_codes[i % len(town_codes)]
                division = rng.choice(divisions)
                code = random_credit_code(rng, county_code)
                while code in used_codes:
                    code = random_credit_code(rng, county_code)
                used_codes.add(code)
                name = (township_name[:2] + rng.choice(_NAME_WORDS) + _TRADES[division]
                        + rng.choice(_SUFFIXES))
                # annual revenue around 5–40 million, a trend per enterprise
                base_annual = int(rng.lognormvariate(16.4, 0.6))
                trend = rng.gauss(0.08, 0.15)
                projected_last = base_annual * (1 + trend) ** 2
                # at a township, 规上/规下 status is the county's to decide: all start 规下 there
                above = projected_last >= 20_000_000 and rng.random() < 0.85 and role != "township"
                entered = exited = None
                if above:
                    stat, pool = "above_scale", ("exit_risk" if trend < -0.05 else "none")
                    entered = f"{events.randint(2012, last_full_year - 1)}-01-01"
                    if events.random() < 0.12:  # this year's entries: the annual batch or a monthly round
                        month = events.choice([1, 1, 1, events.randint(2, max(2, min(11, as_of.month - 1)))])
                        entered = f"{as_of.year}-{month:02d}-01"
                    elif trend < -0.1 and events.random() < 0.35:  # dropped out in this year's review
                        stat, pool, exited = "exited", "cultivation", f"{as_of.year}-01-01"
                else:
                    stat = "below_scale"
                    pool = ("entry" if projected_last >= 18_000_000 else
                            "cultivation" if projected_last >= 15_000_000 else
                            "reserve" if projected_last >= 10_000_000 else
                            "base" if projected_last >= 5_000_000 else "none")
                ent_id = _new_id(rng)
                dept = rng.choice(["工信局", "工信局", "开发区", "应急局", "能源局", "住建局"])
                if dept not in departments:
                    dept = None
                row = {
                    "id": ent_id, "credit_code": code, "name": name, "township_code": township_code,
                    "industry_code": division + f"{rng.randint(1, 9)}{rng.randint(1, 9)}",
                    "stat_status": stat, "pool": pool, "department_id": departments.get(dept),
                    "liaison_cadre": _person(rng), "legal_person": _person(rng),
                    "contact_person": _person(rng),
                    "contact_phone": f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
                    "established_date": date(rng.randint(1998, last_full_year - 1), rng.randint(1, 12),
                                             rng.randint(1, 28)).isoformat(),
                    "entered_stats_date": entered, "exited_stats_date": exited,
                    "source": rng.choice(["upgrade", "attract", "spin_off", "reserve", None]),
                }
                plans.append((ent_id, base_annual, trend, rng.randint(5, 300)))
                pools.append({"id": ent_id, "pool": pool})
                yield row

        report("enterprises", 0, enterprises)
        counts["enterprises"] = ledger.insert_many(
            "enterprises", enterprise_rows(), progress=lambda n: report("enterprises", n, enterprises),
            cache_mib=LOAD_CACHE_MIB)
        used_codes.clear()

        start_year = periods[0][0]
        period_texts = [(yy - start_year, _SEASON[mm - 1], f"{yy}-{mm:02d}") for yy, mm in periods]

        def figure_rows():
            # one random draw per month; ratios per enterprise: this runs millions of times
            rand = rng.random
            names = [period for _year, _season, period in period_texts]
            years = len(periods) // 12 + 2
            for ent_id, base_annual, trend, staff in plans:
                output_ratio = 1.02 + rand() * 0.13
                tax_ratio = 0.02 + rand() * 0.03
                kwh_ratio = 0.05 + rand() * 0.15
                growth = [base_annual * (1 + trend) ** k / 12 for k in range(years)]
                for (year_index, season, period), figure_id in zip(period_texts,
                                                                   monthly_figure_ids(ent_id, names)):
                    r = rand()
                    revenue = int(growth[year_index] * season * (0.9 + 0.2 * r))
                    wobble = 0.97 + 0.06 * ((r * 7919.0) % 1.0)
                    yield (figure_id, ent_id, period, revenue, int(revenue * output_ratio * wobble),
                           int(revenue * tax_ratio * wobble), int(revenue * kwh_ratio * wobble), staff)
        total_figures = len(plans) * len(periods)
        counts["monthly_figures"] = ledger.insert_rows(
            "monthly_figures", ("id", "enterprise_id", "period", "revenue", "output_value",
                                "tax_paid", "electricity_kwh", "employees"), figure_rows(),
            progress=lambda n: report("monthly_figures", n, total_figures), cache_mib=LOAD_CACHE_MIB)
        plans.clear()

        targets = 0
        if role == "county":
            for code, _name in town_codes:
                reference.set_target(ledger, {"year": as_of.year, "scope": "township",
                                              "township_code": code,
                                              "net_increase": rng.randint(1, 4)})
                targets += 1
            for dept in ("开发区", "工信局", "应急局", "能源局", "住建局"):
                reference.set_target(ledger, {"year": as_of.year, "scope": "department",
                                              "department_id": departments[dept],
                                              "net_increase": rng.randint(1, 3)})
                targets += 1
        counts["targets"] = targets
        # after the targets: a profile that sizes its pools by the target (孝义) reads them
        pools_by_profile(ledger, pools, as_of)

        def moves():
            for row in pools:
                if row["pool"] not in ("none", "base"):
                    yield {
                        "id": _new_id(rng), "enterprise_id": row["id"], "from_pool": "base",
                        "to_pool": row["pool"], "moved_on": date(as_of.year, 1, 15).isoformat(),
                        "reason": "年度培育库动态调整（演示数据）", "decided_by": ledger.user or "admin",
                    }
        counts["pool_events"] = ledger.insert_many("pool_events", moves(), cache_mib=LOAD_CACHE_MIB)

        # visits in the province's shape (≈10 an enterprise over the months), after the pools:
        # the cadres call on the enterprises about to enter more often. Each visit's dates, ids
        # and the demand it raised come from one generator, its texts from another. The
        # issues (a fifth of the visits, a province's 200,000) come from a second pass of the
        # first generator: kept from the visits' pass they held ~110 MB at the province and
        # took the demo's peak to 995 MB (goal 1000).
        total_visits = _visit_count(pools)
        plan_seed, text_seed = rng.getrandbits(64), rng.getrandbits(64)

        def skeletons():
            return _visit_skeletons(random.Random(plan_seed), pools, months, as_of, departments)

        # Rows as tuples in the tables' column order straight into the bulk path (not a dict
        # a row, made and taken apart again by insert_many, for 1.2M rows).
        def visits() -> Iterator[tuple]:
            rand = random.Random(text_seed).random
            user = ledger.user
            kinds, findings = _VISIT_KINDS, _FINDINGS
            n_kinds, n_findings = len(kinds), len(findings)
            for ent_id, visit_id, day, demand, _issue in skeletons():
                kind = kinds[int(rand() * n_kinds)]
                visitors = _visitors(rand)
                finding = findings[int(rand() * n_findings)]
                summary = finding.format(g=5 + int(rand() * 26), n=200 + int(rand() * 2801))
                yield visit_id, ent_id, day, kind, visitors, summary, demand, user

        def issues() -> Iterator[tuple]:
            return (issue for *_visit, issue in skeletons() if issue is not None)
        # (the total is the expected count: the bar stops short of it until the last visit)
        counts["visits"] = ledger.insert_rows(
            "visits", VISIT_COLUMNS, visits(),
            progress=lambda n: report("visits", min(n, total_visits - 1), total_visits),
            cache_mib=LOAD_CACHE_MIB)
        report("visits", counts["visits"], counts["visits"])
        counts["issues"] = ledger.insert_rows("issues", ISSUE_COLUMNS, issues(), cache_mib=LOAD_CACHE_MIB)
        # the counts in the order the tables were always reported
        counts = {k: counts[k] for k in ("townships", "departments", "enterprises", "monthly_figures",
                                         "visits", "issues", "targets", "pool_events")}

    return counts


# How often an enterprise is visited, by its pool: those about to enter (and those at risk
# of leaving) are called on most. Scaled so the whole ledger averages VISITS_PER_ENTERPRISE.
VISITS_PER_ENTERPRISE = 10  # over the demo's 36 months: the province shape of #20
_VISIT_WEIGHT = {"entry": 2.0, "cultivation": 1.6, "exit_risk": 1.6, "reserve": 1.2, "base": 0.9,
                 "none": 0.6}
ISSUE_SHARE = 0.2  # of visits that raise a demand, which becomes an issue
# The ledger's page cache while the demo loads its rows (storage's bulk path takes a gigabyte
# by default): a province's demo stays within 1 GB of memory with this (bench/README.md).
LOAD_CACHE_MIB = 256


def _visit_means(pools: list[dict]) -> dict[str, float]:
    """The mean number of visits of an enterprise of each pool."""
    if not pools:
        return {}
    mean_weight = sum(_VISIT_WEIGHT.get(row["pool"], 1.0) for row in pools) / len(pools)
    return {pool: VISITS_PER_ENTERPRISE * weight / mean_weight for pool, weight in _VISIT_WEIGHT.items()}


def _visit_count(pools: list[dict]) -> int:
    """About how many visits the demo makes (for the progress bar)."""
    means = _visit_means(pools)
    return round(sum(means.get(row["pool"], VISITS_PER_ENTERPRISE) for row in pools))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's way: the means here are small)."""
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


_VISIT_KINDS = ["onsite", "onsite", "onsite", "phone", "meeting"]


def _pick(rand: Callable[[], float], items):
    """One of `items` (a cheaper rng.choice: the visits draw millions)."""
    return items[int(rand() * len(items))]


def _visitors(rand: Callable[[], float]) -> str:
    """One to three cadres' names."""
    names = []
    for _ in range(1 + int(rand() * 3)):
        name = _SURNAMES[int(rand() * _N_SURNAMES)] + _GIVEN[int(rand() * _N_GIVEN)]
        if rand() >= 0.5:
            name += _GIVEN[int(rand() * _N_GIVEN)]
        names.append(name)
    return "、".join(names)


_N_SURNAMES, _N_GIVEN = len(_SURNAMES), len(_GIVEN)
VISIT_COLUMNS = ("id", "enterprise_id", "visit_date", "kind", "visitors", "summary", "demands",
                 "recorded_by")
ISSUE_COLUMNS = ("id", "enterprise_id", "visit_id", "category", "description", "department_id",
                 "raised_date", "deadline", "status", "resolution", "resolved_date")


def _visit_skeletons(rng: random.Random, pools: list[dict], months: int, as_of: date,
                     departments: dict[str, str]) -> Iterator[tuple]:
    """Each enterprise's visits over the `months` before as_of (the recent ones a little
    more often): (enterprise id, visit id, date, the demand raised or None, the issue made
    of it or None), the same sequence for the same rng."""
    means = _visit_means(pools)
    span = max(1, int(months * 30.4))
    rand = rng.random
    dept_names = list(departments)
    for row in pools:
        ent_id = row["id"]
        for _ in range(_poisson(rng, means.get(row["pool"], VISITS_PER_ENTERPRISE))):
            day = as_of - timedelta(days=1 + int(span * rand() ** 1.3))
            visit_id = _new_id(rng)
            if rand() >= ISSUE_SHARE:
                yield ent_id, visit_id, day.isoformat(), None, None
                continue
            category = _pick(rand, _DEMAND_KEYS)
            demand = _DEMANDS[category].format(n=20 + int(rand() * 481))
            dept = _CATEGORY_DEPARTMENT.get(category) or (_pick(rand, dept_names) if dept_names else None)
            deadline = day + timedelta(days=_pick(rand, (15, 30, 60)))
            done = deadline < as_of and rand() < 0.7
            issue_id = _new_id(rng)  # (drawn before the status and the resolution, as always)
            visited = day.isoformat()
            if done:
                resolved = (deadline - timedelta(days=int(rand() * 11))).isoformat()
                ending: tuple = ("resolved", "已协调相关部门办理完毕，企业表示满意。", resolved)
            else:
                ending = (_pick(rand, ("open", "in_progress")), None, None)
            # in ISSUE_COLUMNS' order
            yield ent_id, visit_id, visited, demand, (
                issue_id, ent_id, visit_id, category, demand, departments.get(dept), visited,
                deadline.isoformat(), *ending)


def pools_by_profile(ledger: Ledger, ent_rows: list[dict], as_of: date) -> int:
    """Put each generated enterprise in the pool the active profile's rules suggest, so the
    demo reads like a ledger kept by its own document: only the pools it defines, and no
    enterprise (a reached-scale one least of all) told to go down. One in fifty (at least one) whose
    suggestion is above a lower pool of the profile is left in that lower pool: this year's
    pending adjustments, the few that 建议调整库别 lists.

    `ent_rows` are the generated rows (their "pool" is updated in place); returns how many
    enterprises are pending. Without an active profile (a township, a bare test ledger) the
    pools stay as generated."""
    profile = active_profile(ledger)
    if profile is None:
        return 0
    ladder = ["none", *(p for p in POOL_ORDER if p in set(profile.data.get("pools") or ()))]
    suggested = evaluate(ledger, [row["id"] for row in ent_rows], today=as_of)
    final: dict[str, str] = {}
    below: dict[str, str] = {}  # the profile's next pool down from the suggestion, if any
    for row in ent_rows:
        ev = suggested.get(row["id"])
        pool = row["pool"] if ev is None else ev.suggested_pool
        final[row["id"]] = pool
        if pool in ladder[1:]:
            below[row["id"]] = ladder[ladder.index(pool) - 1]
    wanted = -(-len(ent_rows) // 50)  # one in fifty, at least one
    candidates = [row["id"] for row in ent_rows if row["id"] in below]
    if wanted and candidates:
        for enterprise_id in candidates[::max(1, len(candidates) // wanted)][:wanted]:
            final[enterprise_id] = below[enterprise_id]
    for row in ent_rows:
        if final[row["id"]] != row["pool"]:
            ledger.update("enterprises", row["id"], {"pool": final[row["id"]]})
            row["pool"] = final[row["id"]]
    return sum(1 for enterprise_id in below if final[enterprise_id] == below[enterprise_id])


DEMO_PASSWORD = "demo1234"
DEMO_USER = "admin"
# The offices a demo can show (what `shengui --demo county|township` and the question ask).
DEMO_OFFICES = {"township": "乡镇（秀水镇）：乡镇干部每天的工作，本乡镇的企业、走访和问题",
                "county": "县级（盂县）：全县台账、各乡镇进度、目标和政策"}
DEMO_PROFILE = "yuxian"  # the demo county is 盂县: its own policy document
