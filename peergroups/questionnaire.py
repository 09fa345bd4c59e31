"""Survey definitions: the built-in "after the meeting" survey and the organization's own surveys,
read from and written to one JSON document (the database column and the export file are the same
format), checked strictly, and scored (subscales, reverse-scored items, total).

Question texts of our own survey go through gettext; an organization's surveys carry their own
text per language, with a fallback language for any language a question lacks."""
import json
from dataclasses import dataclass, field
from typing import Any


from .i18n import LANGUAGES, lazy_gettext as _l

FORMAT = "peergroups-survey"
VERSION = 1
KINDS = ("scale", "yesno", "choice", "text")
SCORINGS = ("sum", "mean")
TEXT_MAX = 1000  # characters of a free-text answer
QUESTION_MAX = 300  # characters of a question
OPTION_MAX = 80  # characters of a scale label or a choice
NAME_MAX = 80  # characters of a survey's or a subscale's name
MAX_QUESTIONS = 40
SCALE_POINTS = (2, 11)  # a scale has 2 to 11 points, each with words
CHOICES = (2, 12)
FILE_MAX = 512 * 1024  # bytes of an imported file: far above any real survey

YES_NO = (_l("Yes"), _l("No"))  # values 1 and 2


class DefinitionError(ValueError):
    """A definition that cannot be used; str() is a translated sentence for the person importing."""


@dataclass
class Question:
    key: str
    kind: str
    text: Any  # {language: text}, or a lazy gettext string in our own survey
    options: Any = None  # {language: [label, ...]} for scale and choice, or a tuple of lazy strings
    required: bool = True
    subscale: str = ""  # scored scale items only
    reverse: bool = False

    @property
    def points(self):
        """The values an answer may take, 1..n (empty for free text)."""
        if self.kind == "yesno":
            return (1, 2)
        if self.kind == "text":
            return ()
        labels = self.options if isinstance(self.options, tuple) else next(iter(self.options.values()))
        return tuple(range(1, len(labels) + 1))

    @property
    def scored(self):
        return bool(self.subscale)

    def score(self, value):
        """An answer's contribution to its subscale: reverse-scored items count from the other end."""
        return len(self.points) + 1 - value if self.reverse else value


@dataclass
class Questionnaire:
    name: Any
    fallback: str = "en"
    languages: list = field(default_factory=lambda: ["en"])
    scoring: str = "sum"
    questions: list = field(default_factory=list)
    builtin: bool = False

    def question(self, key):
        return next((q for q in self.questions if q.key == key), None)

    def text(self, question, locale):
        """(text, language) for the member's language, or in the fallback language when the question
        has none in theirs; language is None for our own survey, which is always in theirs."""
        if self.builtin:
            return str(question.text), None
        lang = str(locale) if question.text.get(str(locale)) else self.fallback
        return question.text[lang], lang

    def labels(self, question, locale):
        """The words for each point or choice, in the same language as text()."""
        if question.kind == "yesno":
            return [str(label) for label in YES_NO], None
        if self.builtin:
            return [str(label) for label in question.options], None
        lang = str(locale) if question.options.get(str(locale)) else self.fallback
        return question.options[lang], lang

    @property
    def subscales(self):
        """Subscale names in the order their first item appears."""
        return list(dict.fromkeys(q.subscale for q in self.questions if q.subscale))

    def items(self, subscale=None):
        """The scored items of one subscale, or of the total (None)."""
        return [q for q in self.questions if q.scored and subscale in (None, q.subscale)]

    def score_range(self, subscale=None):
        items = self.items(subscale)
        low, high = len(items), sum(len(q.points) for q in items)
        return (low, high) if self.scoring == "sum" else (1, high / len(items) if items else 1)

    def mean_score(self, item_means, subscale=None):
        """The mean score of a subscale (or the total) from its items' mean scores.

        Scored items are required, so every response has every item and the mean of the sums is the
        sum of the means."""
        items = self.items(subscale)
        total = sum(q.score(item_means[q.key]) for q in items)
        return total if self.scoring == "sum" else total / len(items)

    def to_document(self):
        questions = []
        for q in self.questions:
            item = {"key": q.key, "kind": q.kind, "required": q.required, "text": q.text}
            if q.kind in ("scale", "choice"):
                item["options"] = q.options
            if q.kind == "scale":
                item.update(subscale=q.subscale, reverse=q.reverse)
            questions.append(item)
        return {"format": FORMAT, "version": VERSION, "name": self.name, "fallback_language": self.fallback,
                "languages": self.languages, "scoring": self.scoring, "questions": questions}

    def dumps(self):
        return json.dumps(self.to_document(), ensure_ascii=False, indent=2)


def loads(data, known_languages=LANGUAGES):
    """A Questionnaire from a JSON document (bytes or str), or DefinitionError saying what is wrong."""
    if len(data) > FILE_MAX:
        raise DefinitionError(_l("This file is too large to be a survey."))
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested thousands deep
        raise DefinitionError(_l("This file is not a survey exported from peergroups.")) from None
    return from_document(document, known_languages)


def from_document(doc, known_languages=LANGUAGES):
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DefinitionError(_l("This file is not a survey exported from peergroups."))
    if doc.get("version") != VERSION:
        raise DefinitionError(_l("This survey file was made by a newer version of peergroups."))
    name = _text(doc.get("name"), NAME_MAX, _l("The survey needs a name."))
    languages = doc.get("languages")
    if not isinstance(languages, list) or not languages or any(lang not in known_languages for lang in languages):
        raise DefinitionError(_l("The survey's languages must be languages this site offers."))
    languages = list(dict.fromkeys(languages))
    fallback = doc.get("fallback_language")
    if fallback not in languages:
        raise DefinitionError(_l("The fallback language must be one of the survey's languages."))
    scoring = doc.get("scoring", "sum")
    if scoring not in SCORINGS:
        raise DefinitionError(_l("The scoring must be a sum or a mean."))
    raw = doc.get("questions")
    if not isinstance(raw, list) or len(raw) > MAX_QUESTIONS:
        raise DefinitionError(_l("A survey has at most %(max)d questions.", max=MAX_QUESTIONS))
    questions, keys = [], set()
    for number, item in enumerate(raw, 1):
        question = _question(item, number, languages, fallback)
        if question.key in keys:
            raise DefinitionError(_l("Question %(number)d has the same key as another question.", number=number))
        keys.add(question.key)
        questions.append(question)
    return Questionnaire(name, fallback, languages, scoring, questions)


def _text(value, limit, message):
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DefinitionError(message)
    return value.strip()


def _question(item, number, languages, fallback):
    problem = _l("Question %(number)d is not complete or not valid.", number=number)
    if not isinstance(item, dict) or item.get("kind") not in KINDS:
        raise DefinitionError(problem)
    key = item.get("key")
    if not isinstance(key, str) or not key.isascii() or not key.isalnum() or not 0 < len(key) <= 16:
        raise DefinitionError(problem)
    texts = _per_language(item.get("text"), languages, fallback, problem)
    for text in texts.values():
        _text(text, QUESTION_MAX, problem)
    kind, options = item["kind"], None
    if kind in ("scale", "choice"):
        low, high = SCALE_POINTS if kind == "scale" else CHOICES
        options = _per_language(item.get("options"), languages, fallback, problem)
        for labels in options.values():
            if (not isinstance(labels, list) or not low <= len(labels) <= high
                    or len(labels) != len(options[fallback])):
                raise DefinitionError(_l("Question %(number)d needs between %(low)d and %(high)d options, the same "
                                         "number in every language.", number=number, low=low, high=high))
            for label in labels:
                _text(label, OPTION_MAX, problem)
    subscale = item.get("subscale") or ""
    if subscale and (kind != "scale" or not isinstance(subscale, str) or len(subscale) > NAME_MAX):
        raise DefinitionError(problem)
    required = item.get("required", bool(subscale))  # optional unless scored or marked required
    reverse = item.get("reverse", False)
    if not isinstance(required, bool) or not isinstance(reverse, bool) or (reverse and not subscale):
        raise DefinitionError(problem)
    if subscale and not required:
        raise DefinitionError(_l("Question %(number)d is scored, so it must be required.", number=number))
    return Question(key, kind, {lang: t.strip() for lang, t in texts.items()},
                    {lang: [label.strip() for label in labels] for lang, labels in options.items()} if options else None,
                    required, subscale.strip(), reverse)


def _per_language(value, languages, fallback, problem):
    """{language: value} with the fallback language present and only the survey's languages."""
    if not isinstance(value, dict) or any(lang not in languages for lang in value):
        raise DefinitionError(problem)
    value = {lang: v for lang, v in value.items() if v}  # an empty text falls back
    if fallback not in value:
        raise DefinitionError(problem)
    return value


# Our own "after the meeting" survey. Every point of the scale has words: numbers or faces alone
# are not accessible.
SCALE = (_l("Not at all"), _l("A little"), _l("Somewhat"), _l("Quite a bit"), _l("Very much"))
# Every question may be skipped: a member answers what they want to (at least one answer).
AFTER_MEETING = Questionnaire(
    name=_l("After the meeting (built in)"),
    builtin=True,
    languages=list(LANGUAGES),  # its words are in our catalogs
    questions=[
        Question("useful", "scale", _l("Was this meeting useful to you?"), SCALE, required=False),
        Question("respected", "scale", _l("Did you feel respected and safe?"), SCALE, required=False),
        Question("belong", "scale", _l("Do you feel you belong here?"), SCALE, required=False),
        Question("hopeful", "scale", _l("How hopeful do you feel today?"), SCALE, required=False),
        Question("comment", "text", _l("Anything else you would like to tell us?"), required=False),
    ],
)
