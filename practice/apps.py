from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from practice import auth_audit  # imports models, so not before the app registry is ready

        auth_audit.connect()
