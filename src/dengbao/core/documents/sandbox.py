"""The Jinja environment every Word template renders in, and rendering one template file.

On top of Jinja's immutable sandbox the only attributes a template may read are the keys of
a dict (``unit.name``) and the loop and namespace variables Jinja itself makes
(``loop.index``, ``ns.total``). Every other attribute — of a string, a number, a list, a
date, a function — is refused, so ``x.__class__``, ``x.tpl`` or ``x.upper()`` stop the
render with a message; strings are changed with filters (``|upper``, ``|replace``).
Together with plain-data contexts (see plain.py) a template has no way to a Python object
with methods. The same environment renders shipped and uploaded templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace

from .errors import DocumentError, TemplateLimitError
from .plain import SCALARS
from .shading import tidy_shading

_KIND_NAMES = {
    str: "字符串",
    int: "数字",
    float: "数字",
    bool: "布尔值",
    list: "列表",
    tuple: "列表",
    type(None): "空值",
}


class PlainDataSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox that also refuses attributes of anything but dicts, loops and namespaces.

    ``max_output`` bounds the characters the template may produce (None: unbounded).
    """

    def __init__(self, *, max_output: int | None = None):
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined, finalize=_printable)
        self.globals = {
            "range": self.globals["range"],  # the sandbox's range: at most 100,000 items
            "dict": dict,
            "namespace": Namespace,
            "joiner": self.globals["joiner"],
        }
        self.max_output = max_output

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext | Namespace | jinja2.Undefined):
            return super().getattr(obj, attribute)
        raise _refused(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(obj) is dict:
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=argument if isinstance(argument, str) else None)
        if type(obj) in (list, tuple, str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self.undefined(obj=obj)
        if isinstance(obj, jinja2.Undefined):
            return super().getitem(obj, argument)
        raise _refused(obj, str(argument))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return isinstance(obj, LoopContext | Namespace) and super().is_safe_attribute(obj, attr, value)

    def concat(self, chunks: Iterable[str]) -> str:
        """What Template.render joins its output with: bounded by max_output."""
        if self.max_output is None:
            return "".join(chunks)
        out: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > self.max_output:
                raise TemplateLimitError("output")
            out.append(chunk)
        return "".join(out)


def _printable(value: Any) -> Any:
    """What ``{{ … }}`` may print: plain data (a function's or a class's repr is not)."""
    if isinstance(value, jinja2.Undefined) or _plain(value):
        return value
    raise SecurityError(f"模板只能输出文字、数字、日期、列表和字典，不能输出{type(value).__name__}对象")


def _plain(value: Any) -> bool:
    if isinstance(value, SCALARS):
        return True
    if type(value) in (list, tuple):
        return all(_plain(v) or isinstance(v, jinja2.Undefined) for v in value)
    if type(value) is dict:
        return all(_plain(k) and (_plain(v) or isinstance(v, jinja2.Undefined)) for k, v in value.items())
    return False


def _refused(obj: Any, attribute: str) -> SecurityError:
    kind = _KIND_NAMES.get(type(obj), f"{type(obj).__name__} 对象")
    return SecurityError(
        f"模板不能读取{kind}的属性“{attribute}”：模板只能读取字段（如 unit.name），"
        "文字和数字请用过滤器处理（如 |upper、|replace、|length）"
    )


def render_template(
    template: Path, context: dict[str, Any], *, max_output: int | None = None, name: str | None = None
) -> bytes:
    """Render ``template`` (a .docx) with the plain ``context``; the rendered .docx as bytes.

    Every failure of the template's own code is a ``DocumentError`` naming the template;
    ``TemplateLimitError`` (output, memory) passes through for the caller to word.
    """
    name = name or Path(template).name
    tpl = open_template(template, name=name)
    env = PlainDataSandbox(max_output=max_output)
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except (TemplateLimitError, MemoryError):
        raise
    except jinja2.UndefinedError as exc:
        raise DocumentError(f"模板 {name} 使用了上下文中没有的字段：{exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise DocumentError(f"模板 {name} 的标签有语法错误：{exc.message}（第 {exc.lineno} 行）") from exc
    except jinja2.TemplateError as exc:  # the sandbox refusing an attribute, a bad filter…
        raise DocumentError(f"模板 {name} 无法渲染：{exc.message}") from exc
    except OverflowError as exc:
        raise DocumentError(f"模板 {name} 无法渲染：{_overflow(exc)}") from exc
    except RecursionError as exc:
        raise DocumentError(f"模板 {name} 无法渲染：嵌套或递归过深") from exc
    except Exception as exc:  # the template's own arithmetic, a rendered XML that does not parse…
        raise DocumentError(f"模板 {name} 无法渲染：{_describe(exc)}") from exc
    tidy_shading(tpl.docx)
    out = BytesIO()
    tpl.save(out)
    return out.getvalue()


def open_template(template: Path, *, name: str | None = None) -> DocxTemplate:
    if not Path(template).is_file():
        raise DocumentError(f"模板文件不存在：{template}")
    tpl = DocxTemplate(template)
    try:
        tpl.init_docx()
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises several types for a non-.docx file
        raise DocumentError(f"模板 {name or Path(template).name} 不是有效的 Word（.docx）文件") from exc
    return tpl


def _overflow(exc: OverflowError) -> str:
    if "range" in str(exc).lower():
        return "range() 的项数超过上限 100000"
    return f"数值过大（{exc}）"


def _describe(exc: Exception) -> str:
    text = re.sub(r"\s+", " ", str(exc)).strip()[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
