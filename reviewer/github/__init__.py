"""``pmreview github review``: review a pull request's postmortems and comment on GitHub.

``api`` is the REST client, ``event`` finds the pull request (Actions environment or
flags), ``bot`` decides what to post, ``cli`` is the click command. See docs/github-bot.md.
"""
