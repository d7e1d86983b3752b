"""Website monitoring engine: pure asyncio, no Django, so the scheduler, the CLI and tests share it.

Entry points for the database layer:
- :func:`engine.run_checks` (``MonitorConfig``, ``TargetPolicy``, ``Baseline``?) -> ``CheckReport``
- :meth:`tamper.Baseline.approve` / ``to_dict`` / ``from_dict`` for the approval workflow
- :func:`alerts.step` / :func:`alerts.expiry_step` with stored ``AlertState``; :func:`alerts.message_for`
- :func:`notify.send` for each channel (also the channel's test button)
- :func:`wordlists.parse_list` / :func:`wordlists.parse_words` for a project's edited lists
"""
