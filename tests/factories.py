"""factory_boy factories for the people, practices and clients in tests."""

import factory

from clients.models import Client
from practice.models import Membership, Practice, Role, User

PASSWORD = "correct-horse-battery"


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    time_zone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.CLINICIAN


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    preferred_name = factory.Sequence(lambda n: f"Sam{n}")
    full_name = factory.LazyAttribute(lambda o: f"{o.preferred_name} Example")
    email = factory.LazyAttribute(lambda o: f"{o.preferred_name.lower()}@client.example")
    primary_clinician = factory.SubFactory(UserFactory)
