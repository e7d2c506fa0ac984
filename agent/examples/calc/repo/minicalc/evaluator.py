"""Tokenizer, recursive-descent parser and evaluator for arithmetic formulas.

Grammar (usual precedence; + - * / are left-associative, ^ is right-associative):

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/" | "%") unary)*
    unary  := "-" unary | power
    power  := atom ("^" unary)?
    atom   := NUMBER | NAME | NAME "(" args ")" | "(" expr ")"
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|([A-Za-z_]\w*)|(.))")

FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs, "min": min, "max": max, "round": round, "sqrt": math.sqrt, "floor": math.floor,
}


class CalcError(ValueError):
    """A formula that cannot be parsed or evaluated; .pos is the character offset."""

    def __init__(self, message: str, pos: int = 0):
        super().__init__(f"{message} at position {pos}")
        self.pos = pos


@dataclass(frozen=True)
class Token:
    kind: str    # "num", "name", "op", "end"
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        number, name, op = match.groups()
        start = match.start(1) if number else match.start(2) if name else match.start(3)
        if number:
            tokens.append(Token("num", number, start))
        elif name:
            tokens.append(Token("name", name, start))
        elif op in "+-*/%^(),":
            tokens.append(Token("op", op, start))
        else:
            raise CalcError(f"unexpected character {op!r}", start)
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    """Evaluates while parsing: each rule returns the value of what it consumed."""

    def __init__(self, text: str, variables: dict[str, float]):
        self.tokens = tokenize(text)
        self.i = 0
        self.variables = variables

    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.next()
        if tok.value != value:
            raise CalcError(f"expected {value!r}, found {tok.value or 'end of input'!r}", tok.pos)

    def parse(self) -> float:
        value = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise CalcError(f"unexpected {tok.value!r}", tok.pos)
        return value

    def expr(self) -> float:
        left = self.term()
        tok = self.peek()
        if tok.kind == "op" and tok.value in "+-":
            self.next()
            right = self.expr()
            return left + right if tok.value == "+" else left - right
        return left

    def term(self) -> float:
        value = self.unary()
        while self.peek().kind == "op" and self.peek().value in "*/%":
            tok = self.next()
            right = self.unary()
            if tok.value != "*" and right == 0:
                raise CalcError("division by zero", tok.pos)
            value = value * right if tok.value == "*" else value / right if tok.value == "/" else value % right
        return value

    def unary(self) -> float:
        if self.peek().kind == "op" and self.peek().value == "-":
            self.next()
            return -self.unary()
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if self.peek().kind == "op" and self.peek().value == "^":
            self.next()
            return base ** self.unary()
        return base

    def atom(self) -> float:
        tok = self.next()
        if tok.kind == "num":
            return float(tok.value)
        if tok.kind == "name":
            if self.peek().value == "(":
                return self.call(tok)
            if tok.value not in self.variables:
                raise CalcError(f"unknown variable {tok.value!r}", tok.pos)
            return float(self.variables[tok.value])
        if tok.value == "(":
            value = self.expr()
            self.expect(")")
            return value
        raise CalcError(f"unexpected {tok.value or 'end of input'!r}", tok.pos)

    def call(self, name: Token) -> float:
        if name.value not in FUNCTIONS:
            raise CalcError(f"unknown function {name.value!r}", name.pos)
        self.expect("(")
        args = []
        if self.peek().value != ")":
            args.append(self.expr())
            while self.peek().value == ",":
                self.next()
                args.append(self.expr())
        self.expect(")")
        try:
            return float(FUNCTIONS[name.value](*args))
        except (TypeError, ValueError) as err:
            raise CalcError(f"{name.value}(): {err}", name.pos) from None


def evaluate(text: str, variables: dict[str, float] | None = None) -> float:
    """The value of an arithmetic formula, e.g. evaluate("price * (1 + vat)", {"price": 10, "vat": 0.2})."""
    return _Parser(text, variables or {}).parse()


class Calculator:
    """Formulas that may refer to earlier results by name: calc.assign("net", "3 * 4")."""

    def __init__(self) -> None:
        self.variables: dict[str, float] = {"pi": math.pi, "e": math.e}

    def assign(self, name: str, formula: str) -> float:
        if not re.fullmatch(r"[A-Za-z_]\w*", name) or name in FUNCTIONS:
            raise CalcError(f"invalid variable name {name!r}")
        value = evaluate(formula, self.variables)
        self.variables[name] = value
        return value

    def run(self, lines: list[str]) -> dict[str, float]:
        """Evaluate "name = formula" lines in order; blank lines and # comments are skipped."""
        results = {}
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, formula = line.partition("=")
            if not sep:
                raise CalcError(f"expected 'name = formula', got {line!r}")
            results[name.strip()] = self.assign(name.strip(), formula)
        return results
