import datetime as dt

from dengbao.core.documents.scan_runs import cn_minute, run_info, tool_name


def test_version_and_span_come_from_the_hosts_scan_information():
    outputs = [
        "Information about this scan :\n\nNessus version : 10.6.4\n"
        "Scan Start Date : 2024/3/5 10:01 China Standard Time\nScan duration : 2405 sec",
        "Scan Start Date : 2024/3/5 10:02 China Standard Time\nScan duration : 60 sec",
        "Port 22/tcp was found to be open",
    ]
    info = run_info(outputs)
    assert info.version == "10.6.4"
    assert info.started == dt.datetime(2024, 3, 5, 10, 1)
    assert info.finished == dt.datetime(2024, 3, 5, 10, 41, 5)
    assert cn_minute(info.started) == "2024年3月5日 10:01"


def test_a_file_that_states_nothing_gives_nothing():
    info = run_info(["no scan information here", ""])
    assert info.version == "" and info.started is None and info.finished is None
    assert cn_minute(None) == "" and tool_name("nessus") == "Tenable Nessus" and tool_name("x") == "x"
