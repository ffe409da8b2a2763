"""`pmreview digest`: the weekly message an SRE lead posts (Slack, email, a GitHub issue).

Built on the report's data (reviewer/report/data.compute, called once): the incidents of the
period with their severity, action items past due or past their SLA grouped by owner, what is
due in the next seven days, the recurrence rate against its target with its trend, and the
write-ups that still lack sections or action items. ``window`` turns ``--since`` into dates,
``data`` derives the JSON-ready digest, ``markdown`` and ``html`` render it. Only ``cli`` is
imported by ``pmreview --help``, and it imports nothing but click.
"""
