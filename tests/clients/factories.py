import factory
from factory.django import DjangoModelFactory

from clients.models import Agent, Contact, ContactEmail, ContactGroup, User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory, role=User.Role.AGENT)
    display_name = factory.LazyAttribute(lambda a: f"{a.user.first_name} {a.user.last_name}")
    title = "REALTOR®"
    brokerage_name = factory.Sequence(lambda n: f"Brokerage {n} Realty")
    phone_mobile = "(203) 555-0100"
    brand_color = "#1f5fa8"


class ContactGroupFactory(DjangoModelFactory):
    class Meta:
        model = ContactGroup

    agent = factory.SubFactory(AgentFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    agent = factory.SubFactory(AgentFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    status = Contact.Status.ACTIVE


class ContactEmailFactory(DjangoModelFactory):
    class Meta:
        model = ContactEmail

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"contact{n}@example.net")
    is_primary = True
    notify = True


class ClientContactFactory(ContactFactory):
    """A contact with a portal login on their primary email."""

    user = factory.SubFactory(
        UserFactory,
        role=User.Role.CLIENT,
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
    )
    primary_email = factory.RelatedFactory(
        ContactEmailFactory, "contact", address=factory.SelfAttribute("..user.email")
    )
