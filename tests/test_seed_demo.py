import io
import time

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from clients import demo
from clients.models import Agent, ConsentEvent, Contact, ContactEmail, ContactGroup, User
from listings import demo_photos
from listings.models import Listing, ListingMedia

pytestmark = pytest.mark.django_db

SMALL = 40


@pytest.fixture(scope="module")
def shared_media_root(tmp_path_factory):
    # One media folder for the module: the photo pool is drawn once, later seeds find it in place.
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def media_root(settings, shared_media_root):
    settings.MEDIA_ROOT = shared_media_root
    return shared_media_root


def seed(listings: int = SMALL) -> str:
    out = io.StringIO()
    call_command("seed_demo", listings=listings, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "agents": Agent.objects.count(),
        "contacts": Contact.objects.count(),
        "groups": ContactGroup.objects.count(),
        "emails": ContactEmail.objects.count(),
        "portal clients": Contact.objects.filter(user__isnull=False).count(),
        "consent events": ConsentEvent.objects.count(),
        "listings": Listing.objects.count(),
        "media": ListingMedia.objects.count(),
    }


def test_running_the_seed_twice_leaves_the_same_counts(media_root):
    seed()
    first = counts()
    files = sorted(p.relative_to(media_root) for p in media_root.rglob("*") if p.is_file())

    seed()

    assert counts() == first
    assert sorted(p.relative_to(media_root) for p in media_root.rglob("*") if p.is_file()) == files
    assert first["listings"] == SMALL


def test_demo_logins_work_with_their_passwords():
    output = seed()

    for email, password, role in [
        ("agent@example.com", "demo-agent-pass", User.Role.AGENT),
        ("agent2@example.com", "demo-agent2-pass", User.Role.AGENT),
        ("client@example.com", "demo-client-pass", User.Role.CLIENT),
        ("admin@example.com", "demo-admin-pass", User.Role.STAFF),
    ]:
        user = authenticate(email=email, password=password)
        assert user is not None, email
        assert user.role == role
        assert email in output and password in output
    assert User.objects.get(email="admin@example.com").is_superuser


def test_the_demo_client_is_the_demo_agents_client(client):
    seed()

    contact = Contact.objects.select_related("agent__user", "user").get(
        user__email="client@example.com"
    )
    assert contact.agent.user.email == "agent@example.com"
    assert contact.emails.get(is_primary=True).address == "client@example.com"
    assert client.login(email="client@example.com", password="demo-client-pass")


def test_each_agent_has_a_branded_profile_and_a_full_book_of_contacts():
    seed()

    agents = list(Agent.objects.select_related("user"))
    assert len(agents) >= 2
    assert len({agent.brand_color for agent in agents}) == len(agents)
    for agent in agents:
        assert agent.brokerage_name and agent.website and agent.bio
        for image in (agent.photo, agent.logo):
            with Image.open(image.path) as opened:
                assert opened.format == "PNG"
        contacts = Contact.objects.filter(agent=agent)
        assert contacts.count() >= 40
        assert contacts.filter(user__isnull=False).count() >= 8
        opted_out = contacts.filter(email_opted_out_at__isnull=False)
        assert opted_out.exists()
        assert set(opted_out.values_list("status", flat=True)) == {Contact.Status.INACTIVE}
        assert (
            ConsentEvent.objects.filter(
                contact__in=opted_out, kind=ConsentEvent.Kind.OPTED_OUT
            ).count()
            == opted_out.count()
        )
        assert contacts.filter(reverse_prospecting=True).exists()
        assert ContactGroup.objects.filter(agent=agent).count() == len(demo.GROUP_NAMES)
        assert not contacts.filter(emails__isnull=True).exists()
    invalid = ContactEmail.objects.filter(validity=ContactEmail.Validity.INVALID)
    assert invalid.exists()
    assert set(invalid.values_list("invalid_reason", flat=True)) == {demo.BOUNCE_REASON}
    domains = {
        address.split("@")[1] for address in ContactEmail.objects.values_list("address", flat=True)
    }
    assert domains <= {"example.com", "example.net", "example.org"}


def test_the_seed_keeps_what_people_made_in_the_app():
    seed()
    agent = Agent.objects.get(user__email="agent@example.com")
    agent.display_name = "Dana W."
    agent.save()
    Contact.objects.filter(agent=agent, emails__address="client@example.com").update(notes="Mine")
    Listing.objects.filter(listing_key="DEMO-000001").update(list_price=1)
    before = counts()

    seed()

    agent.refresh_from_db()
    assert agent.display_name == "Dana W."
    assert Contact.objects.get(emails__address="client@example.com").notes == "Mine"
    assert Listing.objects.get(listing_key="DEMO-000001").list_price == 1
    assert counts() == before


def test_a_bigger_count_adds_only_the_missing_listings():
    seed(listings=10)
    first_ten = list(
        Listing.objects.order_by("listing_key").values_list("listing_key", "list_price")
    )

    seed(listings=25)

    assert Listing.objects.count() == 25
    assert (
        list(Listing.objects.order_by("listing_key").values_list("listing_key", "list_price")[:10])
        == first_ten
    )


def test_listings_have_believable_fields_and_three_to_five_photos(media_root):
    seed(listings=200)

    for listing in Listing.objects.prefetch_related("media"):
        photos = list(listing.media.all())
        assert 3 <= len(photos) <= 5
        assert [photo.order for photo in photos] == list(range(len(photos)))
        assert all((media_root / photo.image.name).is_file() for photo in photos)
        assert listing.modification_timestamp.tzinfo is not None
        assert listing.list_price > 0
        if listing.property_type == Listing.PropertyType.LAND:
            assert listing.bedrooms_total is None and listing.lot_size_area > 0
        else:
            assert listing.bedrooms_total >= 1 and listing.living_area >= 500
    assert Listing.objects.values("city").distinct().count() >= 6
    assert Listing.objects.filter(standard_status=Listing.StandardStatus.ACTIVE).count() > 100
    # The photos are a shared pool of files, not one file per photo.
    assert len(list((media_root / "listings" / "demo").iterdir())) < 60


def test_the_full_default_seed_makes_2000_listings(capsys):
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    elapsed = time.monotonic() - started

    assert Listing.objects.filter(listing_key__startswith="DEMO-").count() == 2000
    assert ListingMedia.objects.count() >= 3 * 2000
    # Reported, not asserted: unit tests never fail on wall-clock time.
    with capsys.disabled():
        print(f"\n[measure] full seed_demo took {elapsed:.1f} s")


def test_a_failure_midway_writes_nothing(monkeypatch):
    def explode(**kwargs):
        raise demo.DemoSeedError("storage is full")

    monkeypatch.setattr(demo, "demo_listings_ensure", explode)
    before = counts()

    with pytest.raises(CommandError, match="nothing was written"):
        seed()

    assert counts() == before


def test_house_photos_are_deterministic_jpegs_of_the_right_size():
    first = demo_photos.jpeg_bytes(demo_photos.house_photo(7))

    assert first == demo_photos.jpeg_bytes(demo_photos.house_photo(7))
    assert first != demo_photos.jpeg_bytes(demo_photos.house_photo(8))
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "JPEG"
        assert image.size == (800, 533)
