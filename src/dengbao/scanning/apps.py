from django.apps import AppConfig


class ScanningConfig(AppConfig):
    name = "dengbao.scanning"
    verbose_name = "漏洞扫描"
