"""Demo data for `manage.py seed_demo`: agents, contacts, portal clients, listings and photos.

Everything is planned from one fixed seed, then written only where it is missing, so running the
seed again changes nothing and never touches data that people made in the app. People are written
through the services (`agent_create`, `contact_create`, `client_account_create`) so demo rows obey
the same rules as real ones; listings and photos are bulk inserted because there are thousands.
"""

from __future__ import annotations

import io
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from listings import demo_photos
from listings.models import Listing, ListingMedia

from .models import Agent, AgentPreferences, ConsentEvent, Contact, ContactEmail, ContactGroup, User
from .services import (
    agent_create,
    client_account_create,
    contact_create,
    contact_email_mark_invalid,
    contact_opt_out,
)

SEED = 2026
DEFAULT_LISTING_COUNT = 2000
CONTACTS_PER_AGENT = 40
PORTAL_CLIENTS_PER_AGENT = 8
LISTING_KEY_PREFIX = "DEMO-"
BATCH_SIZE = 500

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "demo-admin-pass"
CLIENT_EMAIL = "client@example.com"
CLIENT_PASSWORD = "demo-client-pass"

GROUP_NAMES = ["Buyers", "Sellers", "Past clients", "Investors", "Relocation", "Open house leads"]
BOUNCE_REASON = "Mailbox does not exist (bounce)"


class DemoSeedError(Exception):
    """The database holds something that stops the demo from being seeded (e.g. an email clash)."""


# --- What gets seeded -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentSpec:
    email: str
    password: str
    display_name: str
    monogram: str
    home_cities: tuple[str, ...]
    profile: dict


AGENTS = [
    AgentSpec(
        email="agent@example.com",
        password="demo-agent-pass",
        display_name="Dana Whitaker",
        monogram="H&E",
        home_cities=("Guilford", "Madison", "New Haven"),
        profile={
            "title": "REALTOR®, Broker Associate",
            "brokerage_name": "Harbor & Elm Realty",
            "office_street": "41 Whitfield Street",
            "office_city": "Guilford",
            "office_state": "CT",
            "office_postal_code": "06437",
            "phone_mobile": "(203) 555-0147",
            "phone_office": "(203) 555-0100",
            "public_email": "dana@harborandelm.example",
            "website": "https://harborandelm.example",
            "bio": (
                "Dana has helped families buy and sell along the Connecticut shoreline for fifteen "
                "years. A Guilford native, she knows which streets flood, which schools have room "
                "and where the best lobster roll is. She answers her phone on weekends."
            ),
            "brand_color": "#1f5fa8",
        },
    ),
    AgentSpec(
        email="agent2@example.com",
        password="demo-agent2-pass",
        display_name="Marcus Bell",
        monogram="NG",
        home_cities=("West Hartford", "Hartford", "Glastonbury"),
        profile={
            "title": "REALTOR®, Buyer's Agent",
            "brokerage_name": "Northfield Green Properties",
            "office_street": "960 Farmington Avenue",
            "office_city": "West Hartford",
            "office_state": "CT",
            "office_postal_code": "06107",
            "phone_mobile": "(860) 555-0162",
            "phone_office": "(860) 555-0190",
            "website": "https://northfieldgreen.example",
            "bio": (
                "Marcus works with first-time buyers and relocating families across the Hartford "
                "area. Before real estate he spent ten years as a civil engineer, so he reads an "
                "inspection report the way others read the sports page."
            ),
            "brand_color": "#2e7d4f",
        },
    ),
]


@dataclass(frozen=True)
class City:
    name: str
    latitude: float
    longitude: float
    postal_codes: tuple[str, ...]
    area_code: str
    # Coastal towns keep their houses out of Long Island Sound (little room south of the centre).
    coastal: bool
    base_price: int
    price_per_sqft: int
    typical_lot_acres: float
    weight: int
    # Weights for the sub-types below, in SUB_TYPES order.
    mix: tuple[int, int, int, int, int]
    nearby: tuple[str, ...]


CITIES = [
    City(
        name="Hartford",
        latitude=41.7658,
        longitude=-72.6734,
        postal_codes=("06103", "06105", "06106", "06112", "06114", "06120"),
        area_code="860",
        coastal=False,
        base_price=265_000,
        price_per_sqft=165,
        typical_lot_acres=0.14,
        weight=18,
        mix=(45, 18, 7, 25, 5),
        nearby=(
            "Minutes to downtown, Bushnell Park and I-84.",
            "Close to Elizabeth Park's rose gardens.",
            "Easy access to I-91 and the CTfastrak line.",
        ),
    ),
    City(
        name="New Haven",
        latitude=41.3083,
        longitude=-72.9279,
        postal_codes=("06510", "06511", "06513", "06515", "06519"),
        area_code="203",
        coastal=True,
        base_price=390_000,
        price_per_sqft=240,
        typical_lot_acres=0.13,
        weight=18,
        mix=(40, 25, 8, 22, 5),
        nearby=(
            "A short walk to Wooster Square and its famous pizza.",
            "Close to Yale, the hospitals and Union Station.",
            "Near East Rock Park's trails and the Farmington Canal greenway.",
        ),
    ),
    City(
        name="Stamford",
        latitude=41.0534,
        longitude=-73.5387,
        postal_codes=("06901", "06902", "06903", "06905", "06906", "06907"),
        area_code="203",
        coastal=True,
        base_price=850_000,
        price_per_sqft=420,
        typical_lot_acres=0.45,
        weight=18,
        mix=(50, 30, 12, 5, 3),
        nearby=(
            "Walk to the Metro-North station for an easy commute to New York.",
            "Close to Cove Island Park and the Harbor Point waterfront.",
            "Minutes to downtown restaurants and I-95.",
        ),
    ),
    City(
        name="West Hartford",
        latitude=41.7621,
        longitude=-72.7420,
        postal_codes=("06107", "06110", "06117", "06119"),
        area_code="860",
        coastal=False,
        base_price=480_000,
        price_per_sqft=255,
        typical_lot_acres=0.3,
        weight=16,
        mix=(70, 14, 8, 5, 3),
        nearby=(
            "Stroll to Blue Back Square and West Hartford Center.",
            "Near Westmoor Park and top-rated schools.",
            "Close to the Reservoir trails and Farmington Avenue shops.",
        ),
    ),
    City(
        name="Glastonbury",
        latitude=41.7123,
        longitude=-72.6081,
        postal_codes=("06033",),
        area_code="860",
        coastal=False,
        base_price=540_000,
        price_per_sqft=235,
        typical_lot_acres=0.9,
        weight=12,
        mix=(75, 10, 7, 1, 7),
        nearby=(
            "Close to Main Street shops and the Connecticut River.",
            "Near the orchards and farm stands of South Glastonbury.",
            "Minutes to Route 2 and downtown Hartford.",
        ),
    ),
    City(
        name="Guilford",
        latitude=41.2890,
        longitude=-72.6818,
        postal_codes=("06437",),
        area_code="203",
        coastal=True,
        base_price=640_000,
        price_per_sqft=310,
        typical_lot_acres=1.0,
        weight=10,
        mix=(78, 8, 6, 1, 7),
        nearby=(
            "Minutes from the Town Green and Jacobs Beach.",
            "Close to the Shoreline East station and Guilford harbor.",
            "Near Bishop's Orchards and the Westwoods trails.",
        ),
    ),
    City(
        name="Madison",
        latitude=41.2795,
        longitude=-72.5984,
        postal_codes=("06443",),
        area_code="203",
        coastal=True,
        base_price=720_000,
        price_per_sqft=330,
        typical_lot_acres=0.95,
        weight=8,
        mix=(80, 8, 5, 1, 6),
        nearby=(
            "Walk to downtown shops and the Surf Club beach.",
            "Close to Hammonasset Beach State Park.",
            "Near the village center, the Scranton Library and the train.",
        ),
    ),
]
CITY_BY_NAME = {city.name: city for city in CITIES}
OUT_OF_STATE = [
    ("Brooklyn", "NY", "11215"),
    ("Boston", "MA", "02116"),
    ("White Plains", "NY", "10601"),
    ("Providence", "RI", "02906"),
    ("Chicago", "IL", "60614"),
]


@dataclass(frozen=True)
class SubType:
    name: str
    property_type: str
    price_factor: float
    # Multiplies the city's price per square foot: condos cost more per foot, multi-families less.
    sqft_price_factor: float


SUB_TYPES = [
    SubType("Single Family Residence", Listing.PropertyType.RESIDENTIAL, 1.0, 1.0),
    SubType("Condominium", Listing.PropertyType.RESIDENTIAL, 0.5, 1.08),
    SubType("Townhouse", Listing.PropertyType.RESIDENTIAL, 0.66, 1.0),
    SubType("Multi Family", Listing.PropertyType.RESIDENTIAL_INCOME, 0.95, 0.72),
    SubType("Unimproved Land", Listing.PropertyType.LAND, 0.3, 1.0),
]
SFR, CONDO, TOWNHOUSE, MULTI, LAND = SUB_TYPES

STATUSES = [
    (Listing.StandardStatus.ACTIVE, 64),
    (Listing.StandardStatus.COMING_SOON, 6),
    (Listing.StandardStatus.ACTIVE_UNDER_CONTRACT, 9),
    (Listing.StandardStatus.PENDING, 11),
    (Listing.StandardStatus.CLOSED, 10),
]
# How long ago (days) a listing in each status went on the market.
CONTRACT_AGE_DAYS = {
    Listing.StandardStatus.ACTIVE: (0, 120),
    Listing.StandardStatus.COMING_SOON: (0, 10),
    Listing.StandardStatus.ACTIVE_UNDER_CONTRACT: (14, 150),
    Listing.StandardStatus.PENDING: (20, 160),
    Listing.StandardStatus.CLOSED: (45, 180),
}

# Data tables: kept dense on purpose.
# fmt: off
STREET_NAMES = [
    "Elm", "Maple", "Oak", "Prospect", "Whitney", "Farmington", "Mountain", "Church", "Orange",
    "Chapel", "Fountain", "Shore", "Water", "Hillside", "Ridge", "Highland", "Sunset", "Meadow",
    "Brookside", "Stonegate", "Old Orchard", "Bishop", "Seaview", "Fern", "Albany", "Hope",
    "Newfield", "Cove", "Strawberry Hill", "Long Hill", "Boston Post", "River", "Mill", "Spring",
    "Laurel", "Chestnut", "Walnut", "Birch", "Cedar", "Willow", "Lakeview", "Orchard", "Quarry",
    "Colonial", "Sachem", "Fair", "Park", "Academy", "Harbor", "Whitfield", "Goose Lane",
    "Three Mile", "Copper Beech", "Wintergreen", "Hemlock", "Saddle Ridge", "Pequot", "Tuttle",
]
STREET_SUFFIXES = [
    "Street", "Road", "Avenue", "Lane", "Drive", "Court", "Way", "Place", "Terrace",
]

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "William",
    "Elizabeth", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher",
    "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven",
    "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Rebecca",
    "Priya", "Wei", "Carlos", "Sofia", "Mateo", "Aisha", "Omar", "Hannah", "Ethan", "Grace",
    "Noah", "Olivia", "Liam", "Chloe", "Rahul", "Mei", "Diego", "Fatima", "Tomasz", "Ingrid",
    "Kwame", "Yuki", "Nadia", "Luis",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Patel", "Chen", "Kowalski", "O'Brien", "Murphy", "Sullivan",
    "Rossi", "Esposito", "Kim", "Okafor", "Haddad", "Lindqvist", "Tanaka", "Cohen", "Fitzgerald",
    "DeLuca", "Mensah", "Novak", "Reyes", "Byrne",
]
ORGANIZATIONS = [
    "Elm City Dental", "Shoreline Family Practice", "Connecticut River Analytics",
    "Nutmeg Builders LLC", "Long Wharf Logistics", "Harborview Capital Partners",
    "Farmington Valley Schools", "Quinnipiac Engineering", "Charter Oak Insurance Group",
    "Greenfield Holdings LLC", "Sound View Pediatrics", "Riverbend Software",
]
NOTES = [
    "Pre-approved up to $550k with Charter Oak Credit Union. Wants a 3-bed near good schools.",
    "Relocating for a job at the hospital in August; needs to close by end of July.",
    "Selling their colonial once the kids finish the school year. Prefers texts to calls.",
    "Looking for a 2–4 family to house-hack. Cash for the down payment, wants a separate meter.",
    "Met at the Sunday open house on Whitney Ave. Liked the kitchen, worried about the taxes.",
    "Downsizing: single-level living, low maintenance, within 20 minutes of the grandchildren.",
    "Working with a lender on a renovation loan; open to a fixer-upper with good bones.",
    "Past client (bought 2019). Sends referrals; remember the holiday card.",
    "Wants water views or at least a short walk to the beach. Flexible on size.",
    "Investor with three rentals in Hartford; watches for price drops on multi-families.",
    "First-time buyers. Need a yard for the dog; would consider a townhouse with a patio.",
    "Prefers email. Away in Florida January through March.",
]
ACTIVE_GROUPS = [
    "Buyers", "Buyers", "Buyers", "Sellers", "Sellers", "Sellers", "Investors", "Investors",
    "Relocation",
]
# fmt: on


# --- Plans: pure data from the seed, no database ------------------------------------------------


@dataclass
class ContactPlan:
    first_name: str
    last_name: str
    emails: list[str]
    groups: list[str]
    fields: dict = field(default_factory=dict)
    invalid_email: str = ""
    opted_out: bool = False
    portal: bool = False


def _phone(rng: random.Random, area_code: str) -> str:
    # 555-0100 to 555-0199 are the numbers reserved for fiction.
    return f"({area_code}) 555-01{rng.randint(0, 99):02d}"


def _email_local(*parts: str) -> str:
    return ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in parts)


def _contact_status_pool(rng: random.Random) -> list[str]:
    statuses = (
        [Contact.Status.ACTIVE] * 17
        + [Contact.Status.PROSPECT] * 12
        + [Contact.Status.UNDER_CONTRACT] * 3
        + [Contact.Status.PAST_CLIENT] * 5
        + [Contact.Status.INACTIVE] * 3
    )
    rng.shuffle(statuses)
    return statuses


def _groups_for(rng: random.Random, status: str) -> list[str]:
    if status == Contact.Status.PAST_CLIENT:
        groups = ["Past clients"] + (["Sellers"] if rng.random() < 0.4 else [])
    elif status == Contact.Status.UNDER_CONTRACT:
        groups = [rng.choice(["Buyers", "Sellers"])]
    elif status == Contact.Status.PROSPECT:
        groups = [rng.choice(["Open house leads", "Open house leads", "Buyers", "Relocation"])]
    else:
        groups = [rng.choice(ACTIVE_GROUPS)]
    if len(groups) == 1 and rng.random() < 0.25:
        extra = rng.choice(GROUP_NAMES)
        if extra not in groups:
            groups.append(extra)
    return groups


def contact_plans() -> dict[str, list[ContactPlan]]:
    """Forty contacts per demo agent, keyed by the agent's email. Same result on every call."""
    rng = random.Random(SEED)
    used_names = {("Ann", "O'Neil")}
    plans: dict[str, list[ContactPlan]] = {}
    for agent_index, spec in enumerate(AGENTS):
        statuses = _contact_status_pool(rng)
        agent_plans: list[ContactPlan] = []
        for position in range(CONTACTS_PER_AGENT):
            if agent_index == 0 and position == 0:
                agent_plans.append(_client_login_plan(rng, spec))
                continue
            while True:
                name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
                if name not in used_names:
                    used_names.add(name)
                    break
            agent_plans.append(_contact_plan(rng, spec, *name, status=statuses[position]))
        _mark_opt_outs_and_bounces(rng, agent_plans, bounces=2 if agent_index == 0 else 1)
        _choose_portal_clients(rng, agent_plans)
        plans[spec.email] = agent_plans
    return plans


def _mailing_address(rng: random.Random, spec: AgentSpec, *, out_of_state: bool) -> dict:
    street = f"{rng.randint(2, 480)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}"
    if out_of_state:
        city, state, postal_code = rng.choice(OUT_OF_STATE)
    else:
        home = CITY_BY_NAME[rng.choice(spec.home_cities)]
        city, state, postal_code = home.name, "CT", rng.choice(home.postal_codes)
    return {
        "mailing_street": street,
        "mailing_city": city,
        "mailing_state": state,
        "mailing_postal_code": postal_code,
    }


def _contact_plan(
    rng: random.Random, spec: AgentSpec, first: str, last: str, *, status: str
) -> ContactPlan:
    area_code = CITY_BY_NAME[spec.home_cities[0]].area_code
    domains = ["example.com", "example.net", "example.org"]
    rng.shuffle(domains)
    emails = [f"{_email_local(first, last)}@{domains[0]}"]
    if rng.random() < 0.35:
        emails.append(f"{_email_local(first[0] + last)}@{domains[1]}")
    groups = _groups_for(rng, status)
    fields: dict = {"status": status, "phone_mobile": _phone(rng, area_code)}
    if rng.random() < 0.4:
        fields["phone_home"] = _phone(rng, area_code)
    if rng.random() < 0.3:
        fields["phone_work"] = _phone(rng, rng.choice(["203", "860", "475"]))
    if rng.random() < 0.85:
        fields.update(_mailing_address(rng, spec, out_of_state="Relocation" in groups))
    if "Investors" in groups or rng.random() < 0.2:
        fields["organization"] = rng.choice(ORGANIZATIONS)
    if rng.random() < 0.45:
        fields["notes"] = rng.choice(NOTES)
    buyer_like = {"Buyers", "Investors", "Relocation"} & set(groups)
    if buyer_like and status in (Contact.Status.ACTIVE, Contact.Status.PROSPECT):
        fields["reverse_prospecting"] = rng.random() < 0.5
    return ContactPlan(
        first_name=first, last_name=last, emails=emails, groups=groups, fields=fields
    )


def _client_login_plan(rng: random.Random, spec: AgentSpec) -> ContactPlan:
    """The demo client everyone logs in as: an active buyer of the demo agent."""
    return ContactPlan(
        first_name="Ann",
        last_name="O'Neil",
        emails=[CLIENT_EMAIL, "ann.oneil@example.net"],
        groups=["Buyers"],
        fields={
            "status": Contact.Status.ACTIVE,
            "phone_mobile": "(203) 555-0111",
            "mailing_street": "18 Seaview Terrace",
            "mailing_city": "Guilford",
            "mailing_state": "CT",
            "mailing_postal_code": "06437",
            "notes": "Looking for a 3-bed colonial or cape near the shoreline, up to $700k. "
            "Two kids, one dog; wants to be settled before school starts.",
            "reverse_prospecting": True,
        },
        portal=True,
    )


def _mark_opt_outs_and_bounces(rng: random.Random, plans: list[ContactPlan], *, bounces: int):
    inactive = [p for p in plans if p.fields["status"] == Contact.Status.INACTIVE]
    for plan in inactive[:2]:
        # Created in good standing, then they unsubscribe; the opt-out makes them Inactive.
        plan.fields["status"] = rng.choice([Contact.Status.ACTIVE, Contact.Status.PROSPECT])
        plan.opted_out = True
    candidates = [p for p in plans if p.fields["status"] == Contact.Status.PROSPECT]
    for plan in candidates[:bounces]:
        plan.invalid_email = plan.emails[-1]


def _choose_portal_clients(rng: random.Random, plans: list[ContactPlan]) -> None:
    eligible_statuses = {
        Contact.Status.ACTIVE,
        Contact.Status.UNDER_CONTRACT,
        Contact.Status.PAST_CLIENT,
    }
    candidates = [
        p
        for p in plans
        if p.fields["status"] in eligible_statuses
        and not (p.portal or p.opted_out or p.invalid_email)
    ]
    for plan in rng.sample(candidates, PORTAL_CLIENTS_PER_AGENT):
        plan.portal = True


# --- Listings plan --------------------------------------------------------------------------


@dataclass
class ListingPlan:
    listing: Listing
    # (pool kind, caption) per photo, in display order; images are picked when the pool is known.
    photos: list[tuple[str, str]]
    photo_picks: list[int]


def _weighted(rng: random.Random, options: list, weights) -> object:
    return rng.choices(options, weights=weights, k=1)[0]


def _round_price(rng: random.Random, price: float) -> Decimal:
    step = 5_000 if price >= 1_000_000 else 1_000
    rounded = max(step, round(price / step) * step)
    if rounded >= 100_000 and rng.random() < 0.5:
        rounded -= 100  # the familiar $449,900
    return Decimal(rounded)


def _scatter(rng: random.Random, city: City) -> tuple[Decimal, Decimal]:
    distance_km = 5 * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    north_km, east_km = distance_km * math.sin(angle), distance_km * math.cos(angle)
    if city.coastal and north_km < -1:
        north_km = -north_km
    latitude = city.latitude + north_km / 111.0
    longitude = city.longitude + east_km / (111.0 * math.cos(math.radians(city.latitude)))
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def _year_built(rng: random.Random, sub_type: SubType) -> int | None:
    if sub_type is LAND:
        return None
    if sub_type is MULTI:
        return rng.randint(1880, 1935) if rng.random() < 0.8 else rng.randint(1950, 1990)
    if sub_type in (CONDO, TOWNHOUSE):
        return rng.randint(1968, 2024)
    era = _weighted(rng, [(1870, 1939), (1940, 1979), (1980, 2009), (2010, 2025)], [25, 40, 25, 10])
    return rng.randint(*era)


def _remarks(
    rng: random.Random,
    *,
    city: City,
    sub_type: SubType,
    status: str,
    beds,
    baths,
    living_area,
    lot_acres,
    year_built,
    units: int,
) -> str:
    lot_phrase = f"a {lot_acres:.2f}-acre lot" if lot_acres else "a private lot"
    if sub_type is SFR:
        style = rng.choice(["colonial", "cape", "ranch", "split-level"])
        if year_built and year_built < 1915:
            style = rng.choice(["Victorian", "antique colonial", "farmhouse"])
        elif year_built and year_built > 1995:
            style = rng.choice(["colonial", "contemporary", "craftsman-style home"])
        opener = rng.choice(
            [
                f"Welcome home to this {beds}-bedroom {style} on a quiet, tree-lined street.",
                f"Sun-filled {style} with {beds} bedrooms and {baths} baths on {lot_phrase}.",
                f"Move right in to this well-kept {style} with room to grow.",
                f"Classic New England {style} with timeless curb appeal and {living_area:,} sq ft.",
            ]
        )
        features = [
            "The updated kitchen has quartz counters, stainless appliances and a breakfast nook.",
            "Hardwood floors run through the living and dining rooms.",
            "A fireplace anchors the family room, which opens to a deck over the backyard.",
            "The primary suite has a walk-in closet and a renovated bath.",
            "Finished lower level for a playroom, gym or office.",
            "Newer roof, windows and a high-efficiency heating system.",
            "Two-car garage and a level driveway.",
            "Fenced yard with perennial gardens and a stone patio.",
        ]
    elif sub_type in (CONDO, TOWNHOUSE):
        kind = "condo" if sub_type is CONDO else "townhouse"
        opener = rng.choice(
            [
                f"Easy living in this {beds}-bedroom {kind} with {living_area:,} sq ft.",
                f"Bright, move-in ready {kind} with an open floor plan.",
                f"End-unit {kind} with a private entrance and plenty of light.",
            ]
        )
        features = [
            "Open kitchen with granite counters and a breakfast bar.",
            "In-unit laundry and central air.",
            "Private balcony overlooking the courtyard.",
            "Assigned parking plus a storage unit.",
            "Well-run association with a pool and fitness room.",
            "Gas fireplace in the living room.",
            "Attached garage with direct entry.",
        ]
    elif sub_type is MULTI:
        opener = rng.choice(
            [
                f"Well-kept {units}-family with separate utilities: live in one, rent the rest.",
                f"Solid investment: {units}-family with long-term tenants in place.",
                f"Classic {units}-family with generous floor plans and original details.",
            ]
        )
        features = [
            "Separate furnaces and electric meters.",
            "Off-street parking for every unit.",
            "Updated kitchens and baths in two of the units.",
            "Coin-free laundry in the basement.",
            "Rents are below market, with room to grow.",
            "Newer roof and vinyl siding.",
        ]
    else:
        opener = rng.choice(
            [
                f"Build your dream home on this {lot_acres:.2f}-acre parcel.",
                f"Rare opportunity: {lot_acres:.2f} acres of buildable land.",
                f"Wooded {lot_acres:.2f}-acre lot on a quiet road.",
            ]
        )
        features = [
            "Public water and gas at the street.",
            "Perc tested and surveyed.",
            "Gently sloping with room for a pool and outbuildings.",
            "Stone walls and mature hardwoods along the boundary.",
        ]
    closer = rng.choice(
        [
            "Schedule your private showing today.",
            "First open house this Sunday, 12 to 2.",
            "Don't miss it!",
            "Offers reviewed as received.",
            "Shown by appointment.",
        ]
    )
    if status == Listing.StandardStatus.COMING_SOON:
        closer = "Coming soon: showings begin next week."
    parts = [
        opener,
        *rng.sample(features, k=min(3, len(features))),
        rng.choice(city.nearby),
        closer,
    ]
    return " ".join(parts)


INTERIOR_CAPTIONS = [
    ("living", "Living room"),
    ("kitchen", "Kitchen"),
    ("dining", "Dining room"),
    ("bedroom", "Primary bedroom"),
    ("bedroom", "Bedroom"),
    ("living", "Family room"),
]
LAND_CAPTIONS = ["Lot view", "Street frontage", "Wooded acreage", "Stone wall along the boundary"]


def listing_plans(count: int, *, now: datetime) -> list[ListingPlan]:
    """``count`` listings; the first n are the same whatever the count, so counts can grow."""
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    plans: list[ListingPlan] = []
    city_weights = [city.weight for city in CITIES]
    statuses, status_weights = zip(*STATUSES, strict=True)
    for number in range(1, count + 1):
        city = _weighted(rng, CITIES, city_weights)
        sub_type = _weighted(rng, SUB_TYPES, city.mix)
        status = _weighted(rng, statuses, status_weights)
        price = city.base_price * sub_type.price_factor * math.exp(rng.gauss(0, 0.38))
        units = rng.choice([2, 2, 3, 3, 4]) if sub_type is MULTI else 1
        beds = baths = living_area = None
        if sub_type is not LAND:
            area = price / (city.price_per_sqft * sub_type.sqft_price_factor)
            living_area = int(min(7500, max(520, area * math.exp(rng.gauss(0, 0.12)))) // 10 * 10)
            if sub_type is MULTI:
                beds = min(12, max(units * 2, round(living_area / 520)))
                baths = units + (1 if rng.random() < 0.3 else 0)
            else:
                max_beds = 3 if sub_type is CONDO else (4 if sub_type is TOWNHOUSE else 7)
                beds = min(max_beds, max(1 if sub_type is CONDO else 2, round(living_area / 620)))
                baths = min(6, max(1, round(beds * 0.6 + living_area / 2600 + rng.gauss(0, 0.35))))
        if sub_type is CONDO:
            lot_acres = None
        elif sub_type is TOWNHOUSE:
            lot_acres = round(rng.uniform(0.03, 0.09), 2)
        elif sub_type is LAND:
            lot_acres = round(
                max(0.25, city.typical_lot_acres * 3 * math.exp(rng.gauss(0, 0.7))), 2
            )
        else:
            factor = 0.6 if sub_type is MULTI else 1.0
            lot_acres = round(
                max(0.05, city.typical_lot_acres * factor * math.exp(rng.gauss(0, 0.5))), 2
            )
        year_built = _year_built(rng, sub_type)
        latitude, longitude = _scatter(rng, city)
        days_on_market = rng.randint(*CONTRACT_AGE_DAYS[status])
        contract_date: date = today - timedelta(days=days_on_market)
        modified = now - timedelta(minutes=rng.randint(5, max(60, days_on_market * 24 * 60)))
        listing = Listing(
            listing_key=f"{LISTING_KEY_PREFIX}{number:06d}",
            listing_id=f"CT{240000 + number}",
            standard_status=status,
            list_price=_round_price(rng, price),
            street_number=str(rng.randint(2, 1990)),
            street_name=rng.choice(STREET_NAMES),
            street_suffix=rng.choice(STREET_SUFFIXES),
            unit_number=(
                rng.choice([str(rng.randint(1, 40)), f"{rng.randint(1, 4)}{rng.choice('ABCD')}"])
                if sub_type is CONDO
                else ""
            ),
            city=city.name,
            state_or_province="CT",
            postal_code=rng.choice(city.postal_codes),
            latitude=latitude,
            longitude=longitude,
            property_type=sub_type.property_type,
            property_sub_type=sub_type.name,
            bedrooms_total=beds,
            bathrooms_total_integer=baths,
            living_area=living_area,
            lot_size_area=Decimal(f"{lot_acres:.2f}") if lot_acres is not None else None,
            year_built=year_built,
            public_remarks=_remarks(
                rng,
                city=city,
                sub_type=sub_type,
                status=status,
                beds=beds,
                baths=baths,
                living_area=living_area,
                lot_acres=lot_acres,
                year_built=year_built,
                units=units,
            ),
            listing_contract_date=contract_date,
            modification_timestamp=modified,
        )
        if sub_type is LAND:
            photos = [("land", caption) for caption in rng.sample(LAND_CAPTIONS, k=3)]
        else:
            exterior = "house" if sub_type is SFR else "attached"
            interiors = rng.sample(INTERIOR_CAPTIONS, k=rng.randint(2, 4))
            photos = [(exterior, "Front exterior"), *interiors]
        picks = [rng.randrange(1_000_000) for _ in photos]
        plans.append(ListingPlan(listing=listing, photos=photos, photo_picks=picks))
    return plans


# --- Photo pool -------------------------------------------------------------------------------

PHOTO_DIR = "listings/demo"


def photo_pool_plan() -> dict[str, list[tuple[str, Callable[[], Image.Image]]]]:
    """Storage names and how to draw each, by pool kind. 36 exteriors, 12 rooms, 4 lots."""
    pool: dict[str, list] = {"house": [], "attached": [], "land": []}
    for number in range(1, 37):
        units = 1 if number <= 26 else (2 if number <= 32 else 3)
        kind = "house" if units == 1 else "attached"
        pool[kind].append(
            (
                f"{PHOTO_DIR}/house-{number:02d}.jpg",
                lambda n=number, u=units: demo_photos.house_photo(SEED * 100 + n, units=u),
            )
        )
    for number in range(1, 13):
        room_kind = demo_photos.ROOM_KINDS[(number - 1) % len(demo_photos.ROOM_KINDS)]
        pool.setdefault(room_kind, []).append(
            (
                f"{PHOTO_DIR}/room-{number:02d}.jpg",
                lambda n=number, k=room_kind: demo_photos.room_photo(SEED * 200 + n, kind=k),
            )
        )
    for number in range(1, 5):
        pool["land"].append(
            (
                f"{PHOTO_DIR}/land-{number:02d}.jpg",
                lambda n=number: demo_photos.land_photo(SEED * 300 + n),
            )
        )
    return pool


def demo_photo_pool_ensure() -> tuple[dict[str, list[str]], int]:
    """Writes the pool's images that storage lacks; returns names by kind and how many were new."""
    names: dict[str, list[str]] = {}
    created = 0
    for kind, entries in photo_pool_plan().items():
        names[kind] = []
        for name, draw in entries:
            if not default_storage.exists(name):
                saved = default_storage.save(name, ContentFile(demo_photos.jpeg_bytes(draw())))
                if saved != name:
                    raise DemoSeedError(
                        f"Storage saved {name} as {saved}; expected the exact name."
                    )
                created += 1
            names[kind].append(name)
    return names, created


# --- Writes -----------------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def headshot_png(*, initials: str, color: str, size: int = 400) -> bytes:
    """A placeholder headshot: the agent's initials on a circle of their brand colour."""
    image = Image.new("RGB", (size, size), (238, 242, 247))
    draw = ImageDraw.Draw(image)
    margin = size // 20
    draw.ellipse([margin, margin, size - margin, size - margin], fill=color)
    font = ImageFont.load_default(size=size * 2 // 5)
    draw.text((size / 2, size / 2), initials, fill="white", font=font, anchor="mm")
    return _png(image)


def logo_png(*, monogram: str, name: str, color: str) -> bytes:
    """A wordmark: the brokerage monogram in a brand-coloured square, then its name."""
    height = 160
    font = ImageFont.load_default(size=52)
    text_width = int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(name, font=font))
    image = Image.new("RGBA", (height + 40 + text_width + 20, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([8, 8, height - 8, height - 8], radius=22, fill=color)
    mono_font = ImageFont.load_default(size=60 if len(monogram) > 2 else 72)
    draw.text((height / 2, height / 2), monogram, fill="white", font=mono_font, anchor="mm")
    draw.text((height + 30, height / 2), name, fill=(31, 41, 55), font=font, anchor="lm")
    return _png(image)


def demo_admin_ensure() -> bool:
    if User.objects.filter(email__iexact=ADMIN_EMAIL).exists():
        return False
    User.objects.create_superuser(
        email=ADMIN_EMAIL, password=ADMIN_PASSWORD, first_name="Demo", last_name="Admin"
    )
    return True


def demo_agent_ensure(spec: AgentSpec) -> tuple[Agent, bool]:
    """The agent for ``spec``, created with a photo and logo if missing; else left untouched."""
    user = User.objects.filter(email__iexact=spec.email).select_related("agent").first()
    if user is not None:
        agent = getattr(user, "agent", None)
        if agent is None:
            raise DemoSeedError(f"{spec.email} already has an account, but not an agent's.")
        return agent, False
    agent = agent_create(
        email=spec.email, display_name=spec.display_name, password=spec.password, **spec.profile
    )
    initials = "".join(part[0] for part in spec.display_name.split()[:2]).upper()
    color = spec.profile["brand_color"]
    agent.photo.save(
        "photo.png", ContentFile(headshot_png(initials=initials, color=color)), save=False
    )
    agent.logo.save(
        "logo.png",
        ContentFile(
            logo_png(monogram=spec.monogram, name=spec.profile["brokerage_name"], color=color)
        ),
        save=False,
    )
    agent.save(update_fields=["photo", "logo", "updated_at"])
    return agent, True


def demo_contacts_ensure(*, agent: Agent, plans: list[ContactPlan]) -> tuple[int, int]:
    """Creates the planned contacts the agent lacks (matched on primary email); returns
    (contacts created, portal accounts created)."""
    groups = {}
    for name in GROUP_NAMES:
        groups[name], _ = ContactGroup.objects.get_or_create(
            agent=agent, name__iexact=name, defaults={"name": name}
        )
    existing = {
        address.lower()
        for address in ContactEmail.objects.filter(
            contact__agent=agent, is_primary=True
        ).values_list("address", flat=True)
    }
    contacts_created = accounts_created = 0
    for plan in plans:
        if plan.emails[0] in existing:
            continue
        contact = contact_create(
            agent=agent,
            first_name=plan.first_name,
            last_name=plan.last_name,
            emails=plan.emails,
            groups=[groups[name] for name in plan.groups],
            **plan.fields,
        )
        contacts_created += 1
        # Through the same services as a real unsubscribe and bounce, so the audit log has them.
        if plan.opted_out:
            contact_opt_out(contact=contact, via=ConsentEvent.Via.EMAIL_LINK)
        if plan.invalid_email:
            contact_email_mark_invalid(
                address=plan.invalid_email, reason=BOUNCE_REASON, contact=contact
            )
        if plan.portal and not User.objects.filter(email__iexact=plan.emails[0]).exists():
            client_account_create(contact=contact, password=CLIENT_PASSWORD)
            accounts_created += 1
    return contacts_created, accounts_created


def _photo_names(plan: ListingPlan, photo_pool: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(storage name, caption) per photo; two bedrooms of one listing never share a picture."""
    chosen: list[tuple[str, str]] = []
    for (kind, caption), pick in zip(plan.photos, plan.photo_picks, strict=True):
        names = photo_pool[kind]
        name = names[pick % len(names)]
        taken = {used for used, _ in chosen}
        for _ in range(len(names)):
            if name not in taken:
                break
            pick += 1
            name = names[pick % len(names)]
        chosen.append((name, caption))
    return chosen


def demo_listings_ensure(
    *, count: int, photo_pool: dict[str, list[str]], now: datetime
) -> tuple[int, int]:
    """Inserts the planned listings whose keys are missing, with their photos; returns
    (listings created, photos created). Existing listings keep their photos as they are."""
    existing = set(
        Listing.objects.filter(listing_key__startswith=LISTING_KEY_PREFIX).values_list(
            "listing_key", flat=True
        )
    )
    missing = [
        plan for plan in listing_plans(count, now=now) if plan.listing.listing_key not in existing
    ]
    media_created = 0
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        Listing.objects.bulk_create([plan.listing for plan in batch])
        if any(plan.listing.pk is None for plan in batch):
            # Backends that cannot return ids from a bulk insert: look them up by key.
            ids = dict(
                Listing.objects.filter(
                    listing_key__in=[plan.listing.listing_key for plan in batch]
                ).values_list("listing_key", "id")
            )
            for plan in batch:
                plan.listing.pk = plan.listing.id = ids[plan.listing.listing_key]
        media = [
            ListingMedia(listing_id=plan.listing.pk, order=order, image=name, caption=caption)
            for plan in batch
            for order, (name, caption) in enumerate(_photo_names(plan, photo_pool))
        ]
        ListingMedia.objects.bulk_create(media, batch_size=BATCH_SIZE)
        media_created += len(media)
    return len(missing), media_created


# --- The whole seed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    label: str
    email: str
    password: str


@dataclass
class SeedReport:
    created: Counter
    totals: dict[str, int]
    logins: list[DemoLogin]


def demo_totals() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "agents": Agent.objects.count(),
        "contacts": Contact.objects.count(),
        "contact groups": ContactGroup.objects.count(),
        "contact emails": ContactEmail.objects.count(),
        "portal clients": Contact.objects.filter(user__isnull=False).count(),
        "listings": Listing.objects.count(),
        "listing photos": ListingMedia.objects.count(),
    }


def demo_preferences_ensure(*, agent: Agent) -> bool:
    """Portal Preferences with a friendly invitation message; an agent's own edits are kept."""
    _, created = AgentPreferences.objects.get_or_create(
        agent=agent,
        defaults={
            "invitation_message": (
                f"I've set up a personal home-search portal for you. Save the homes you like, "
                f"tell me what you think of them, and I'll keep you posted on new listings.\n\n"
                f"— {agent.display_name}"
            ),
            "portal_card_fields": list(AgentPreferences.CardField.values),
        },
    )
    return created


def seed_demo(*, listing_count: int = DEFAULT_LISTING_COUNT) -> SeedReport:
    """Seeds everything that is missing, all or nothing."""
    now = timezone.now()
    created: Counter = Counter()
    with transaction.atomic():
        created["admin"] += demo_admin_ensure()
        plans = contact_plans()
        for spec in AGENTS:
            agent, agent_created = demo_agent_ensure(spec)
            created["agents"] += agent_created
            contacts, accounts = demo_contacts_ensure(agent=agent, plans=plans[spec.email])
            created["contacts"] += contacts
            created["portal clients"] += accounts
            created["agent preferences"] += demo_preferences_ensure(agent=agent)
        pool, files_created = demo_photo_pool_ensure()
        created["photo files"] += files_created
        listings, media = demo_listings_ensure(count=listing_count, photo_pool=pool, now=now)
        created["listings"] += listings
        created["listing photos"] += media
        # Later layers add their own demo data; imported here to keep clients/ at the bottom.
        from listings.demo import demo_cma_and_report_ensure, demo_listings_enrich
        from messaging.demo import demo_feed_ensure

        created.update(demo_listings_enrich(now=now))
        created.update(demo_feed_ensure(client_email=CLIENT_EMAIL))
        created.update(demo_cma_and_report_ensure(client_email=CLIENT_EMAIL))
        from searches.demo import demo_searches_ensure

        created.update(demo_searches_ensure(client_email=CLIENT_EMAIL))
        totals = demo_totals()
    logins = [
        DemoLogin(f"Agent ({AGENTS[0].display_name})", AGENTS[0].email, AGENTS[0].password),
        DemoLogin(f"Second agent ({AGENTS[1].display_name})", AGENTS[1].email, AGENTS[1].password),
        DemoLogin(
            f"Client (Ann O'Neil, {AGENTS[0].display_name}'s client)", CLIENT_EMAIL, CLIENT_PASSWORD
        ),
        DemoLogin("MLS staff admin (/admin/)", ADMIN_EMAIL, ADMIN_PASSWORD),
    ]
    return SeedReport(created=created, totals=totals, logins=logins)
