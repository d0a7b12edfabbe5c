"""The platform's Django app: models, views, the job queue and the round exchange."""
