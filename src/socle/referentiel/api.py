from ninja import NinjaAPI

api = NinjaAPI(title="Socle — Référentiel", version="1", urls_namespace="referentiel-api")
