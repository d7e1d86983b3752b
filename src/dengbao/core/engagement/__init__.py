"""The engagement as plain data: schedule, money, SLA clocks and the service year.

Pure Python over dates, Decimals and lists of events; the ``engagements`` app stores the
facts and calls these functions to say what is due, what is late and what it costs.
"""
