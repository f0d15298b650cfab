"""Conditions written for other engines, translated into casegrid's restricted expressions.

Camunda 7 writes conditions in JUEL (``${decision == 'adopt'}``, ``#{approved}``, ``${a && !b}``,
``${x eq 'y'}``), Camunda 8, Trisotech and Signavio in FEEL (``= decision = "adopt"``,
``amount > 100 and not(rejected)``). The simple ones — names, literals, comparisons, and/or/not —
mean the same as a Python expression over the case's variables, so they are rewritten token by
token; anything else (method calls on ``execution``, FEEL functions and ranges) is refused with
what to write instead. The import dialog shows every translation for the supervisor to confirm
before it is written into the diagram (:mod:`engine.bpmn.importing`).
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from engine.bpmn.expressions import expression_problems

_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_JUEL_WORDS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "and", "or": "or",
               "not": "not", "true": "True", "false": "False", "null": "None", "div": "/", "mod": "%"}
_FEEL_WORDS = {"true": "True", "false": "False", "null": "None", "and": "and", "or": "or", "not": "not"}
#: ``conditionExpression/@language`` values that say FEEL.
FEEL_LANGUAGES = frozenset({"feel", "http://www.omg.org/spec/feel/20140401", "https://www.omg.org/spec/dmn/20191111/feel/"})


@dataclass(frozen=True)
class Translation:
    original: str
    #: The casegrid expression, or None when it cannot be translated (``problem`` says why).
    expression: str | None
    #: ``juel``, ``feel`` or ``casegrid`` (already one of ours: nothing to translate).
    dialect: str
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.expression is not None and self.expression != self.original.strip()


def dialect_of(text: str, language: str | None = None) -> str:
    stripped = text.strip()
    if _JUEL.match(stripped):
        return "juel"
    if stripped.startswith("=") or (language or "").strip().lower() in FEEL_LANGUAGES:
        return "feel"
    # Written without a marker: FEEL if a lone "=" compares (Python would not parse it), else ours.
    if re.search(r"(?<![=!<>])=(?!=)", stripped) and not expression_problems(_feel_tokens(stripped) or ""):
        return "feel"
    return "casegrid"


def translate(text: str, language: str | None = None) -> Translation:
    """The casegrid expression that means what ``text`` means in its own dialect."""
    dialect = dialect_of(text, language)
    if dialect == "casegrid":
        return Translation(text, text.strip(), dialect)
    if dialect == "juel":
        match = _JUEL.match(text.strip())
        assert match is not None
        inner = match.group(1).strip()
        if not inner:
            return Translation(text, None, dialect, "条件是空的 ${}：请填写条件，例如 decision == 'adopt'")
        if re.search(r"\bexecution\b|\btask\b\s*\.|\.get\w*\(|\bS\(|\bJSON\(", inner):
            return Translation(text, None, dialect, f"{text.strip()} 调用了 Camunda 的对象或方法，casegrid 无法执行："
                                                    "请改为直接比较流程变量，例如 decision == 'adopt'")
        result = _juel_tokens(inner)
    else:
        inner = text.strip()[1:] if text.strip().startswith("=") else text.strip()
        if not inner.strip():
            return Translation(text, None, dialect, "FEEL 条件是空的：请填写条件，例如 decision = \"adopt\"")
        result = _feel_tokens(inner.strip())
    if result is None:
        return Translation(text, None, dialect, f"{text.strip()} 含有 casegrid 无法转换的写法：请改写为 casegrid 表达式，"
                                                "例如 decision == 'adopt' 或 amount > 100")
    problems = expression_problems(result)
    if problems:
        return Translation(text, None, dialect, f"{text.strip()} 转换为 {result} 后仍不可用：{problems[0]}")
    return Translation(text, result, dialect)


def _tokens(text: str) -> list[tokenize.TokenInfo] | None:
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                  tokenize.DEDENT)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


def _juel_tokens(text: str) -> str | None:
    # "&&", "||" and a "!" that is not "!=" are JUEL's; Python's tokenizer reads "!" only as part of "!=".
    text = re.sub(r"&&", " and ", text)
    text = re.sub(r"\|\|", " or ", text)
    text = re.sub(r"!(?!=)", " not ", text)
    text = re.sub(r"\bempty\s+(\w+)", r"not \1", text)
    tokens = _tokens(text)
    if tokens is None:
        return None
    out = []
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string in _JUEL_WORDS:
            out.append(_JUEL_WORDS[tok.string])
        elif tok.type == tokenize.OP and tok.string in ("=", ":", ";", "?"):
            return None  # an assignment or JUEL's ternary: not a simple condition
        else:
            out.append(tok.string)
    return _join(out)


def _feel_tokens(text: str) -> str | None:
    tokens = _tokens(text)
    if tokens is None:
        return None
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string == "=":
            out.append("==")
        elif tok.type == tokenize.OP and tok.string in ("..", ":", ";", "[", "]"):
            return None  # ranges and lists in FEEL mean something else than in Python
        elif tok.type == tokenize.NAME and tok.string in _FEEL_WORDS:
            out.append(_FEEL_WORDS[tok.string])
        elif tok.type == tokenize.NAME and i + 1 < len(tokens) and tokens[i + 1].string == "(" \
                and tok.string not in ("not",):
            return None  # FEEL functions (date(), contains() …) have no casegrid counterpart
        else:
            out.append(tok.string)
    return _join(out)


def _join(parts: list[str]) -> str:
    text = " ".join(parts)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+\)", ")", text)
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r"\s*\.\s*", ".", text)
    text = re.sub(r"(?<=\d)\.(?=\d)", ".", text)
    return text.strip()
