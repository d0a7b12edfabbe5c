"""The samen platform: a Django web application that runs a whole admission round.

Parents register their children, rank schools and form pledge groups; the admission office
configures the round, imports and exports round folders, holds the public draw, runs the
allocation in a background worker, reviews and publishes the results, and runs waiting-list
rounds. See ``docs/platform.md``.

``samen.web.settings`` reads its configuration from the environment; ``samen web ...``
(``samen.commands.web``) wraps Django's management commands.
"""
