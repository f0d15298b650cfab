"""Which passwords casegrid accepts: long enough, and not one people (or guessers' lists) commonly use.

The estimate is zxcvbn's (Dropbox's password-strength model: dictionaries of leaked passwords, names,
keyboard patterns, dates, repeats and sequences). Its dictionaries are English; the words Chinese
passwords are built from (pinyin, 520/1314 …) and the words of this site are added as further
dictionary entries, as are the account's username and name. A score of 3 means "safely unguessable:
moderate protection from an offline attack" — the hash table leaking is the case the lockout cannot help.
"""
from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
#: zxcvbn scores 0–4; 3 ≈ at least 10⁸ guesses.
MIN_SCORE = 3
#: zxcvbn refuses longer input (and its cost grows with length); a password this long that passed the
#: estimate on its first part is long enough.
ESTIMATED_LENGTH = 72

#: Building blocks of common Chinese passwords that zxcvbn's English dictionaries do not know.
CHINESE_WORDS = (
    "woaini", "aini", "520", "1314", "5201314", "woaini1314", "iloveyou1314", "wodemima", "mima", "zhongguo",
    "beijing", "shanghai", "xiaoming", "zhangwei", "wangwei", "wangfang", "liwei", "zhangsan", "lisi", "qq",
    "baobao", "laopo", "laogong", "nihao", "haha", "hehe", "caonima", "tiantian", "xingfu", "kuaile", "dearbook",
    "xiazhili", "147258369", "147258", "258369", "789456", "123654", "88888888", "66666666", "168168", "518518",
)
#: Words of this site a guesser tries first.
SITE_WORDS = ("casegrid", "shequ", "jiedao", "wangge", "zhili", "banshichu", "dudao", "tiaojie")


def password_problem(password: str, *, username: str = "", display_name: str = "") -> str | None:
    """Why ``password`` is refused (a message for the form field), or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    personal = [word for word in (username, display_name) if word]
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[*personal, *SITE_WORDS, *CHINESE_WORDS])
    if estimate["score"] >= MIN_SCORE:
        return None
    matched = {match.get("dictionary_name") for match in estimate["sequence"]}
    if any(word and word.lower() in password.lower() for word in personal):
        return "密码不能包含用户名或姓名"
    if "passwords" in matched and len(estimate["sequence"]) == 1:
        return "这是常见密码，很容易被猜到，请换一个"
    return "密码太容易被猜到：请用几个不相关的词加数字或符号，例如 qiuyue-lanhua-27"
