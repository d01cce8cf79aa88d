"""A labelled PII corpus, generated: realistic values in six locales, near-miss decoys, known spans.

Every item is a short text (a chat message, a signature, a config snippet, a
support ticket line) with zero or more personal values inserted at known
offsets, and often a decoy that looks like one but is not: an order number,
an ISBN, a timestamp, a version, a UUID, a git SHA, a 16-digit number that
fails Luhn, an IBAN that fails mod 97, a price, a file hash. The generator is
seeded, so a run is reproducible, and uses no data from outside.

:func:`evaluate` scores a scanner against it (precision and recall per type);
:func:`text_heavy_records` makes the record mix the throughput figure in
docs/pii-evaluation.md is measured on. ``python -m tests.helpers.pii_corpus``
prints both.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import random
import string
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import phonenumbers

from app.core.datasets.pii import ALL_TYPES, PiiScanner, PiiType
from app.core.datasets.pii.checksums import (
    card_brand,
    cnpj_check_digits,
    cpf_check_digits,
    iban_check_digits,
    iban_valid,
    luhn_check_digit,
    luhn_valid,
    nir_valid,
    steuer_id_check_digit,
    steuer_id_valid,
    verhoeff_check_digit,
)

LOCALES = ("US", "GB", "DE", "FR", "IN", "BR")
THRESHOLD_TYPES = (
    PiiType.EMAIL,
    PiiType.PHONE,
    PiiType.PAYMENT_CARD,
    PiiType.IBAN,
    PiiType.SECRET,
)
"""Types with an acceptance threshold: recall >= 0.95 and precision >= 0.9."""


@dataclass(frozen=True, slots=True)
class Span:
    type: PiiType
    start: int
    end: int
    what: str
    """The generator that made it, e.g. ``phone:DE:national``."""


@dataclass(frozen=True, slots=True)
class CorpusItem:
    text: str
    spans: tuple[Span, ...]
    locale: str
    decoys: tuple[str, ...] = ()


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    exact: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


# -- words -------------------------------------------------------------------------

FIRST = {
    "US": ["James", "Mary", "Robert", "Linda", "Michael", "Emily", "Tyrone", "Keisha", "Brooke"],
    "GB": ["Oliver", "Amelia", "Harry", "Isla", "George", "Poppy", "Callum", "Siobhan", "Rhys"],
    "DE": ["Lukas", "Lena", "Jürgen", "Ursula", "Maximilian", "Sophie", "Detlef", "Gudrun"],
    "FR": ["Louis", "Chloé", "Hugo", "Léa", "François", "Margaux", "Thibault", "Ségolène"],
    "IN": ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Harpreet", "Lakshmi"],
    "BR": ["João", "Ana", "Lucas", "Beatriz", "Rafael", "Larissa", "Thiago", "Graça"],
}
LAST = {
    "US": ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Nguyen", "O'Connor"],
    "GB": ["Taylor", "Davies", "Evans", "Thomas", "Roberts", "Walker", "Ó Briain"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Groß"],
    "FR": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Fontaine"],
    "IN": ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Singh"],
    "BR": ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Ferreira", "da Costa"],
}
MAIL_DOMAINS = {
    "US": ["gmail.com", "outlook.com", "mail.acme-corp.com", "cs.stanford.edu", "yahoo.com"],
    "GB": ["btinternet.com", "ox.ac.uk", "nhs.net", "mail.example.co.uk", "sky.com"],
    "DE": ["web.de", "gmx.de", "t-online.de", "mail.uni-muenchen.de", "müller-bäckerei.de"],
    "FR": ["orange.fr", "free.fr", "laposte.net", "etu.univ-paris.fr", "wanadoo.fr"],
    "IN": ["rediffmail.com", "yahoo.co.in", "iitb.ac.in", "mail.infosys.example.in"],
    "BR": ["uol.com.br", "bol.com.br", "terra.com.br", "usp.br", "empresa.com.br"],
}
FILLER = {
    "US": [
        "Thanks for getting back to me so quickly.",
        "The meeting moved to Thursday at 3pm.",
        "I uploaded the draft, let me know what you think.",
        "We shipped 3 boxes last week and 2 more are pending.",
        "Can you check whether the report is final?",
    ],
    "GB": [
        "Cheers for sorting that out.",
        "The train was delayed by 20 minutes again.",
        "I'll pop the forms in the post tomorrow.",
        "Our flat is on the 2nd floor, ring the bell twice.",
    ],
    "DE": [
        "Vielen Dank für die schnelle Antwort.",
        "Der Termin wurde auf Donnerstag, 14 Uhr verschoben.",
        "Anbei die Unterlagen, bitte kurz prüfen.",
        "Wir haben 3 Pakete verschickt, 2 fehlen noch.",
    ],
    "FR": [
        "Merci pour votre retour rapide.",
        "La réunion est déplacée à jeudi 15h.",
        "Je vous envoie le dossier complet ce soir.",
        "Nous avons reçu 3 colis, il en manque 2.",
    ],
    "IN": [
        "Please do the needful at the earliest.",
        "The delivery will reach by 5 pm tomorrow.",
        "Kindly find the attached documents for your reference.",
        "Our office is closed on the 2nd Saturday.",
    ],
    "BR": [
        "Obrigado pelo retorno rápido.",
        "A reunião foi remarcada para quinta às 15h.",
        "Segue em anexo a documentação solicitada.",
        "Recebemos 3 caixas, faltam 2.",
    ],
}


# -- generators of values ----------------------------------------------------------


class Values:
    """Random realistic PII values; each returns (text, generator name)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def alnum(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    # e-mail
    def email(self, locale: str) -> tuple[str, str]:
        rng = self.rng
        first = rng.choice(FIRST[locale])
        last = rng.choice(LAST[locale]).replace(" ", "").replace("'", "")
        ascii_first, ascii_last = _fold(first).lower(), _fold(last).lower()
        style = rng.randrange(8)
        local = [
            f"{ascii_first}.{ascii_last}",
            f"{ascii_first}_{ascii_last}{rng.randrange(10, 99)}",
            f"{ascii_first[0]}{ascii_last}",
            f"{ascii_first}+{rng.choice(['news', 'shop', 'git', 'bills'])}",
            f"{ascii_first}-{ascii_last}",
            f"{ascii_last}.{ascii_first}{rng.randrange(1970, 2005)}",
            f"{first.lower()}.{last.lower().replace(' ', '')}" if locale in "DEFRBR" else "info",
            f"{ascii_first}{rng.randrange(1, 999)}",
        ][style]
        domain = rng.choice(MAIL_DOMAINS[locale])
        if rng.random() < 0.15:
            domain = domain.upper() if rng.random() < 0.3 else f"mail.{domain}"
        return f"{local}@{domain}", f"email:{'unicode' if not local.isascii() else 'ascii'}"

    # phone
    _PREFIXES: ClassVar[dict[tuple[str, bool], list[str]]] = {
        ("US", True): ["201", "212", "305", "312", "415", "503", "617", "646", "702", "917"],
        ("US", False): ["202", "213", "404", "512", "615", "713", "801", "919"],
        ("GB", True): ["74", "75", "77", "78", "79"],
        ("GB", False): ["207", "208", "121", "161", "131", "113"],
        ("DE", True): ["151", "152", "160", "162", "170", "171", "176", "179"],
        ("DE", False): ["30", "89", "40", "221", "69", "711"],
        ("FR", True): ["6", "7"],
        ("FR", False): ["1", "2", "3", "4", "5"],
        ("IN", True): ["98", "97", "99", "88", "70", "63"],
        ("IN", False): ["11", "22", "80", "44"],
        ("BR", True): ["119", "219", "319", "419", "519", "619", "719", "819"],
        ("BR", False): ["113", "213", "312", "413", "512"],
    }
    _LENGTHS: ClassVar[dict[str, int]] = {"US": 10, "GB": 10, "FR": 9, "IN": 10, "BR": 11}

    def phone_number(self, region: str) -> phonenumbers.PhoneNumber:
        rng = self.rng
        for _ in range(200):
            mobile = rng.random() < 0.6
            prefix = rng.choice(self._PREFIXES[(region, mobile)])
            length = self._LENGTHS.get(region, 0)
            if region == "DE":
                length = rng.choice([10, 11]) if mobile else rng.choice([9, 10])
            if region == "BR" and not mobile:
                length = 10
            if region == "US":
                prefix += rng.choice("23456789")
            national = prefix + self.digits(length - len(prefix))
            number = phonenumbers.parse("+" + str(_country_code(region)) + national)
            if phonenumbers.is_valid_number(number):
                return number
        raise AssertionError(f"could not make a valid {region} number")

    def phone(self, locale: str) -> tuple[str, str]:
        rng = self.rng
        number = self.phone_number(locale)
        fmt = phonenumbers.PhoneNumberFormat
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
        e164 = phonenumbers.format_number(number, fmt.E164)
        style = rng.randrange(9)
        if style == 0:
            return international, "international"
        if style == 1:
            return e164, "e164"
        if style == 2:
            return national, "national"
        if style == 3:
            return national.replace(" ", "-").replace("(", "").replace(")", ""), "national-dashes"
        if style == 4 and locale in ("FR", "US"):
            plain = "".join(c for c in national if c.isdigit())
            if locale == "FR":
                return ".".join(plain[i : i + 2] for i in range(0, 10, 2)), "national-dots"
            return f"{plain[:3]}.{plain[3:6]}.{plain[6:]}", "national-dots"
        if style == 5 and locale in ("GB", "FR", "DE"):
            cc, rest = international.split(" ", 1)
            return f"{cc} (0){rest}", "international-trunk"
        if style == 6 and locale != "US":
            return "00" + e164[1:], "idd-00"
        if style == 7 and locale == "DE":
            area, rest = national.split(" ", 1)
            return f"{area}/{rest.replace(' ', '')}", "national-slash"
        if style == 8:
            return international.replace(" ", "-"), "international-dashes"
        return national, "national"

    def phone_plain(self, locale: str) -> tuple[str, str]:
        """An unformatted national number: needs a phone word before it."""
        number = self.phone_number(locale)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(c for c in national if c.isdigit()), "national-plain"

    # payment card
    _BRANDS: ClassVar[list[tuple[str, list[str], int]]] = [
        ("visa", ["4"], 16),
        ("mastercard", ["51", "52", "53", "54", "55", "2221", "2720", "2300"], 16),
        ("amex", ["34", "37"], 15),
        ("discover", ["6011", "65", "644"], 16),
        ("jcb", ["3528", "3589", "3540"], 16),
        ("diners", ["36", "38"], 14),
        ("unionpay", ["62"], 16),
        ("visa19", ["4"], 19),
    ]

    def card_digits(self) -> tuple[str, str]:
        brand, prefixes, length = self.rng.choice(self._BRANDS)
        prefix = self.rng.choice(prefixes)
        partial = prefix + self.digits(length - len(prefix) - 1)
        digits = partial + luhn_check_digit(partial)
        assert card_brand(digits) is not None, digits
        assert luhn_valid(digits), digits
        return digits, brand

    def card(self, locale: str) -> tuple[str, str]:
        digits, brand = self.card_digits()
        return self.group_card(digits), f"card:{brand}"

    def group_card(self, digits: str) -> str:
        sep = self.rng.choice([" ", " ", "-", ""])
        if len(digits) == 15 or len(digits) == 14:
            groups = [digits[:4], digits[4:10], digits[10:]]
        else:
            groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
        return sep.join(groups)

    # IBAN
    _BBAN: ClassVar[dict[str, str]] = {
        # n digits, a upper letters, c upper alphanumerics
        "DE": "18n",
        "GB": "4a14n",
        "FR": "10n11c2n",
        "ES": "20n",
        "IT": "1a10n12c",
        "NL": "4a10n",
        "BR": "23n1a1c",
        "CH": "5n12c",
        "BE": "12n",
        "AT": "16n",
        "PL": "24n",
        "PT": "21n",
    }
    _IBAN_BY_LOCALE: ClassVar[dict[str, list[str]]] = {
        "US": ["DE", "GB", "NL", "CH"],
        "GB": ["GB", "GB", "NL", "DE"],
        "DE": ["DE", "DE", "AT", "CH"],
        "FR": ["FR", "FR", "BE", "ES", "IT"],
        "IN": ["GB", "DE", "PL"],
        "BR": ["BR", "BR", "PT"],
    }

    def bban(self, country: str) -> str:
        out = []
        spec = self._BBAN[country]
        number = ""
        for char in spec:
            if char.isdigit():
                number += char
                continue
            count, number = int(number), ""
            alphabet = {
                "n": string.digits,
                "a": string.ascii_uppercase,
                "c": string.ascii_uppercase + string.digits,
            }[char]
            out.append(self.alnum(count, alphabet))
        return "".join(out)

    def iban_compact(self, locale: str) -> tuple[str, str]:
        country = self.rng.choice(self._IBAN_BY_LOCALE[locale])
        bban = self.bban(country)
        compact = country + iban_check_digits(country, bban) + bban
        assert iban_valid(compact), compact
        return compact, country

    def iban(self, locale: str) -> tuple[str, str]:
        compact, country = self.iban_compact(locale)
        if self.rng.random() < 0.6:
            sep = "\u00a0" if self.rng.random() < 0.1 else " "
            return sep.join(
                compact[i : i + 4] for i in range(0, len(compact), 4)
            ), f"iban:{country}"
        return compact, f"iban:{country}:compact"

    # IP
    def ip(self, locale: str) -> tuple[str, str]:
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0:
            return f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}", "ipv4:private"
        if kind in (1, 2):
            while True:
                address = ipaddress.IPv4Address(rng.getrandbits(32))
                if address.is_global:
                    return str(address), "ipv4:public"
        address6 = ipaddress.IPv6Address((0x2001_0DB8 << 96) | rng.getrandbits(64))
        if kind == 3:
            return address6.compressed, "ipv6:compressed"
        return address6.exploded, "ipv6:full"

    # national identifiers
    def national(self, locale: str) -> tuple[str, str]:
        rng = self.rng
        if locale == "US":
            while True:
                area = rng.randrange(1, 900)
                if area != 666:
                    break
            ssn = f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
            return (ssn if rng.random() < 0.8 else ssn.replace("-", " ")), "US-SSN"
        if locale == "GB":
            first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
            second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
            if first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
                first, second = "A", "B"
            body = self.digits(6)
            suffix = rng.choice("ABCD")
            if rng.random() < 0.5:
                return f"{first}{second} {body[:2]} {body[2:4]} {body[4:]} {suffix}", "GB-NINO"
            return f"{first}{second}{body}{suffix}", "GB-NINO"
        if locale == "DE":
            return self.steuer_id(), "DE-STEUER-ID"
        if locale == "FR":
            while True:
                head = (
                    rng.choice("12")
                    + self.digits(2)
                    + f"{rng.randrange(1, 13):02d}"
                    + f"{rng.randrange(1, 96):02d}"
                    + self.digits(6)
                )
                nir = head + f"{97 - int(head) % 97:02d}"
                if nir_valid(nir):
                    break
            if rng.random() < 0.6:
                parts = (nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:])
                return " ".join(parts), "FR-NIR"
            return nir, "FR-NIR"
        if locale == "IN":
            if rng.random() < 0.3:
                pan = (
                    self.alnum(3, string.ascii_uppercase)
                    + rng.choice("PCHFT")
                    + rng.choice(string.ascii_uppercase)
                    + self.digits(4)
                    + rng.choice(string.ascii_uppercase)
                )
                return pan, "IN-PAN"
            partial = rng.choice("23456789") + self.digits(10)
            aadhaar = partial + verhoeff_check_digit(partial)
            sep = rng.choice([" ", " ", "-"])
            return sep.join(aadhaar[i : i + 4] for i in range(0, 12, 4)), "IN-AADHAAR"
        if rng.random() < 0.25:
            first12 = self.digits(8) + "0001"
            cnpj = first12 + cnpj_check_digits(first12)
            return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}", "BR-CNPJ"
        nine = self.digits(9)
        cpf = nine + cpf_check_digits(nine)
        return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}", "BR-CPF"

    def steuer_id(self) -> str:
        rng = self.rng
        while True:
            pool = list("0123456789")
            rng.shuffle(pool)
            repeated = pool[0]
            first_ten = [*pool[:9], repeated]
            rng.shuffle(first_ten)
            if first_ten[0] == "0":
                continue
            candidate = "".join(first_ten)
            full = candidate + steuer_id_check_digit(candidate)
            if steuer_id_valid(full):
                break
        if rng.random() < 0.6:
            return f"{full[:2]} {full[2:5]} {full[5:8]} {full[8:]}"
        return full

    # secrets
    def secret(self, locale: str) -> tuple[str, str, str]:
        """(value, template with {v}, generator name); the template gives the context."""
        rng = self.rng
        b64 = string.ascii_letters + string.digits
        kind = rng.randrange(16)
        if kind == 0:
            return "AKIA" + self.alnum(16, string.ascii_uppercase + "234567"), "{v}", "aws"
        if kind == 1:
            return "ghp_" + self.alnum(36), "{v}", "github"
        if kind == 2:
            return f"github_pat_{self.alnum(22)}_{self.alnum(59)}", "{v}", "github-pat"
        if kind == 3:
            token = f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.alnum(24)}"
            return token, "{v}", "slack"
        if kind == 4:
            return "sk_live_" + self.alnum(rng.choice([24, 99])), "{v}", "stripe"
        if kind == 5:
            return "AIza" + self.alnum(35, b64 + "-_"), "{v}", "google"
        if kind == 6:
            prefix = rng.choice(["sk-", "sk-proj-"])
            return prefix + self.alnum(48, b64 + "_-"), "{v}", "openai"
        if kind == 7:
            return self.jwt(), "{v}", "jwt"
        if kind == 8:
            return self.pem(), "{v}", "pem"
        if kind == 9:
            value = self.alnum(40, b64 + "+/")
            template = rng.choice(
                [
                    "AWS_SECRET_ACCESS_KEY={v}",
                    "aws_secret_access_key = {v}",
                    '"secretAccessKey": "{v}"',
                ]
            )
            return value, template, "aws-secret"
        if kind == 10:
            value = self.alnum(rng.choice([24, 32, 40]))
            template = rng.choice(
                [
                    "export API_KEY={v}",
                    "api_key: {v}",
                    '{"apiKey": "{v}"}',
                    "OPENWEATHER_TOKEN='{v}'",
                    "client_secret={v}&grant_type=client_credentials",
                    "auth_token => '{v}'",
                ]
            )
            return value, template, "assigned"
        if kind == 11:
            value = hashlib.sha256(self.alnum(12).encode()).hexdigest()[: rng.choice([32, 40, 64])]
            return value, rng.choice(["SECRET_KEY={v}", "access_token: {v}"]), "assigned-hex"
        if kind == 12:
            value = self.alnum(rng.randrange(8, 14), b64 + "!#%&*")
            template = rng.choice(
                ["DB_PASSWORD={v}", "password: {v}", "my password is {v}", '"passwd": "{v}"']
            )
            return value, template, "password"
        if kind == 13:
            return self.alnum(32), "Authorization: Bearer {v}", "bearer"
        if kind == 14:
            return "glpat-" + self.alnum(20, b64 + "_-"), "{v}", "gitlab"
        return "hf_" + self.alnum(34), "{v}", "huggingface"

    def jwt(self) -> str:
        def part(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": self.digits(8), "iat": 1_700_000_000 + self.rng.randrange(10**7)}
        return f"{header}.{part(json.dumps(claims).encode())}.{part(self.rng.randbytes(32))}"

    def pem(self) -> str:
        kind = self.rng.choice(["RSA ", "EC ", "OPENSSH ", ""])
        body = base64.b64encode(self.rng.randbytes(96)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return "\n".join(
            [f"-----BEGIN {kind}PRIVATE KEY-----", *lines, f"-----END {kind}PRIVATE KEY-----"]
        )

    # names and addresses
    def name(self, locale: str) -> tuple[str, str]:
        first = self.rng.choice(FIRST[locale])
        last = self.rng.choice(LAST[locale])
        return f"{first} {last}", "given+surname"

    def address(self, locale: str) -> tuple[str, str]:
        rng = self.rng
        number = rng.randrange(1, 300)
        if locale in ("US", "GB"):
            street = rng.choice(["Baker", "Maple", "High", "Church", "Oak Hill", "Victoria"])
            kind = rng.choice(["Street", "Road", "Avenue", "Lane", "Drive", "Close"])
            return f"{number} {street} {kind}", "en"
        if locale == "DE":
            street = rng.choice(["Haupt", "Linden", "Goethe", "Bahnhof", "Schiller", "Kirch"])
            kind = rng.choice(["straße", "weg", "platz", "allee", "gasse"])
            return f"{street}{kind} {number}{rng.choice(['', '', 'a'])}", "de"
        if locale == "FR":
            kind = rng.choice(["rue", "avenue", "boulevard", "place", "chemin"])
            street = rng.choice(["de la Paix", "Victor Hugo", "des Lilas", "du Moulin", "Gambetta"])
            return f"{number} {kind} {street}", "fr"
        if locale == "BR":
            kind = rng.choice(["Rua", "Avenida", "Travessa", "Alameda"])
            street = rng.choice(["das Flores", "Paulista", "Sete de Setembro", "do Sol", "Santos"])
            return f"{kind} {street}, {number}", "br"
        street = rng.choice(["MG", "Linking", "Station", "Brigade", "Nehru"])
        return f"{number} {street} {rng.choice(['Road', 'Marg', 'Nagar'])}", "in"


def _fold(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.replace("ß", "ss") or "x"


def _country_code(region: str) -> int:
    return int(phonenumbers.country_code_for_region(region))


# -- decoys ------------------------------------------------------------------------


def make_decoy(values: Values, locale: str) -> tuple[str, str]:
    """(text, kind) of something that looks like PII and is not."""
    rng = values.rng
    kind = rng.randrange(26)
    if kind == 0:
        return f"Order #{values.digits(rng.choice([8, 10]))}", "order-number"
    if kind == 1:
        return f"order no. {rng.choice(['A', 'B', 'ORD-'])}{values.digits(9)}", "order-number"
    if kind == 2:
        digits = "978" + values.digits(9)
        check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10) % 10
        isbn = digits + str(check)
        return f"ISBN {isbn[:3]}-{isbn[3]}-{isbn[4:6]}-{isbn[6:12]}-{isbn[12]}", "isbn"
    if kind == 3:
        stamp = 1_600_000_000 + rng.randrange(10**8)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)), "timestamp"
    if kind == 4:
        stamp = 1_600_000_000 + rng.randrange(10**8)
        return f"at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(stamp))}", "timestamp"
    if kind == 5:
        return f"epoch {1_600_000_000 + rng.randrange(10**8)}", "unix-time"
    if kind == 6:
        major, minor, patch = rng.randrange(20), rng.randrange(30), rng.randrange(100)
        return rng.choice([f"v{major}.{minor}.{patch}", f"version {major}.{minor}.{patch}"]), (
            "version"
        )
    if kind == 7:
        return f"build 10.0.{rng.randrange(10000, 30000)}.{rng.randrange(1, 5000)}", "version"
    if kind == 8:
        return str(uuid.UUID(int=rng.getrandbits(128))), "uuid"
    if kind == 9:
        sha = hashlib.sha1(values.alnum(8).encode()).hexdigest()
        return rng.choice([f"commit {sha}", f"fixed in {sha[:7]}"]), "git-sha"
    if kind == 10:
        digits, _ = values.card_digits()
        digits = digits[:-1] + str((int(digits[-1]) + rng.randrange(1, 10)) % 10)
        assert not luhn_valid(digits)
        return values.group_card(digits), "luhn-fail"
    if kind == 11:
        compact, _ = values.iban_compact(locale)
        bad = compact[:2] + f"{(int(compact[2:4]) + rng.randrange(1, 97)) % 97 + 2:02d}"
        bad += compact[4:]
        if iban_valid(bad):
            bad = bad[:-1] + str((int(bad[-1]) + 1) % 10) if bad[-1].isdigit() else bad + "0"
        return " ".join(bad[i : i + 4] for i in range(0, len(bad), 4)), "iban-mod97-fail"
    if kind == 12:
        day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1950, 2030)
        return rng.choice(
            [
                f"{day:02d}.{month:02d}.{year}",
                f"{month:02d}/{day:02d}/{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day}/{month}/{year}",
            ]
        ), "date"
    if kind == 13:
        return rng.choice(
            [
                f"${rng.randrange(1, 9)},{rng.randrange(100, 999)}.{rng.randrange(10, 99)}",
                f"{rng.randrange(1, 9)}.{rng.randrange(100, 999)},{rng.randrange(10, 99)} €",
                f"R$ {rng.randrange(1, 99)}.{rng.randrange(100, 999)},{rng.randrange(10, 99)}",
                f"₹{rng.randrange(1, 9)},{rng.randrange(10, 99)},{rng.randrange(100, 999)}",
                f"£{rng.randrange(10, 99_999)}",
            ]
        ), "price"
    if kind == 14:
        digest = hashlib.sha256(values.alnum(10).encode()).hexdigest()
        return rng.choice(
            [f"sha256 {digest}", f"md5: {digest[:32]}", f"checksum {digest[:40]} matches"]
        ), "file-hash"
    if kind == 15:
        return rng.choice(
            ["icon@2x.png", "lodash@4.17.21", "@maintainers", "user@localhost", "logo@3x.jpg"]
        ), "email-like"
    if kind == 16:
        mac = ":".join(f"{rng.randrange(256):02X}" for _ in range(6))
        return f"MAC {mac}", "mac-address"
    if kind == 17:
        return rng.choice(
            [
                "pip install scikit-learn (sk-learn)",
                "token=YOUR_TOKEN_HERE",
                "password: ********",
                "api_key=${API_KEY}",
                "secret = os.environ['SECRET']",
                "the password is required",
                "token: str = get_token()",
            ]
        ), "secret-placeholder"
    if kind == 18:
        code = values.alnum(6, string.ascii_uppercase + string.digits) + values.digits(10)
        return f"tracking 1Z{code}", "tracking-number"
    if kind == 19:
        return f"{rng.uniform(-90, 90):.4f}, {rng.uniform(-180, 180):.4f}", "coordinates"
    if kind == 20:
        return f"{rng.randrange(1, 999)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}" + (
            " visitors"
        ), "big-number"
    if kind == 21:
        return rng.choice(
            [f"+1 {rng.choice(['123', '011', '099'])} 555 {values.digits(4)}", "000-000-0000"]
        ), "invalid-phone"
    if kind == 22:
        return f"{rng.choice(['000', '666', '912'])}-{values.digits(2)}-{values.digits(4)}", (
            "invalid-ssn"
        )
    if kind == 23:
        return f"#{values.alnum(6, '0123456789abcdef')}", "hex-colour"
    if kind == 24:
        return f"Python {rng.randrange(2, 4)}.{rng.randrange(0, 14)}.{rng.randrange(0, 20)}", (
            "version"
        )
    return f"ticket {values.alnum(3, string.ascii_uppercase)}-{values.digits(5)}", "ticket-id"


# -- templates ---------------------------------------------------------------------

PHONE_WORDS = {
    "US": ["Call me at", "My cell:", "Phone:", "Text me on"],
    "GB": ["Ring me on", "Mobile:", "Tel:", "Call"],
    "DE": ["Tel.:", "Handy:", "Rufen Sie mich an unter", "Telefon"],
    "FR": ["Tél. :", "Mon portable :", "Appelez-moi au", "téléphone"],
    "IN": ["Call me on", "Mobile no.", "Contact", "WhatsApp"],
    "BR": ["Ligue para", "Meu celular:", "Telefone:", "WhatsApp"],
}

TEMPLATES: dict[PiiType, list[str]] = {
    PiiType.EMAIL: [
        "Write to {v} for details.",
        "Contact: <{v}>",
        "({v})",
        "«{v}»",
        "„{v}“",
        'email "{v}"',
        "mailto:{v}",
        "Send it to {v}.",
        "cc {v}, thanks",
        "[{v}]",
        "{v};",
        "E-Mail: {v}",
        "Courriel : {v}",
    ],
    PiiType.PHONE: [
        "{w} {v}",
        "{w} {v}.",
        "({v})",
        "Reach me at {v}, any time.",
        "{w}: {v} (after 6)",
        "Signature\n{v}",
    ],
    PiiType.PAYMENT_CARD: [
        "Card number {v}, expiry 08/27",
        "Paid with {v}.",
        "Karte: {v}",
        "Cartão {v} venc. 12/26",
        "CB {v}",
        "{v}",
    ],
    PiiType.IBAN: [
        "IBAN: {v}",
        "Please transfer to {v}.",
        "Kontonummer {v} BIC COBADEFFXXX",
        "IBAN {v}, titulaire M. X",
        "{v}",
    ],
    PiiType.IP: [
        "Login from {v} failed.",
        "ssh admin@{v}",
        "server {v}:8080",
        "client_ip={v}",
        "[{v}]",
    ],
    PiiType.NATIONAL_ID: [
        "{label} {v}",
        "{label}: {v}.",
        "My {label} is {v}",
    ],
    PiiType.PERSON_NAME: [
        "Dear {v},",
        "Regards, {v}",
        "I spoke with {v} yesterday.",
        "{v} will join the call.",
    ],
    PiiType.STREET_ADDRESS: [
        "I live at {v}.",
        "Address: {v}",
        "Send it to {v}, please.",
        "Wir wohnen in der {v}.",
    ],
}
ID_LABELS = {
    "US-SSN": ["SSN", "Social Security number"],
    "GB-NINO": ["NI number", "National Insurance no."],
    "DE-STEUER-ID": ["Steuer-ID", "Steuerliche IdNr."],
    "FR-NIR": ["NIR", "numéro de sécurité sociale"],
    "IN-AADHAAR": ["Aadhaar", "Aadhaar no."],
    "IN-PAN": ["PAN", "PAN card"],
    "BR-CPF": ["CPF", "CPF nº"],
    "BR-CNPJ": ["CNPJ", "CNPJ nº"],
}

_TYPE_CYCLE = (
    PiiType.EMAIL,
    PiiType.PHONE,
    PiiType.PAYMENT_CARD,
    PiiType.IBAN,
    PiiType.SECRET,
    PiiType.IP,
    PiiType.NATIONAL_ID,
    PiiType.PHONE,
    PiiType.SECRET,
    PiiType.PERSON_NAME,
    PiiType.STREET_ADDRESS,
)


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []

    def _raw(self, text: str) -> None:
        if not text:
            return
        self.parts.append(text)
        self.length += len(text)

    def _separate(self, following: str) -> None:
        last = self.parts[-1][-1:] if self.parts else ""
        if last and not last.isspace():
            # Real text keeps two numbers apart with more than a space.
            self._raw(", " if last.isdigit() and following[:1].isdigit() else " ")

    def add(self, text: str) -> None:
        self._separate(text)
        self._raw(text)

    def add_glued(self, glue: str, text: str) -> None:
        if self.parts and self.parts[-1][-1:].isspace():
            glue = glue.lstrip()
        self._raw(glue if self.parts else "")
        self._raw(text)

    def add_value(self, template: str, value: str, kind: PiiType, what: str) -> None:
        before, after = template.split("{v}")
        self._separate(before or value)
        self._raw(before)
        start = self.length
        self._raw(value)
        self.spans.append(Span(kind, start, self.length, what))
        self._raw(after)

    def text(self) -> str:
        return "".join(self.parts)


def _value_segment(values: Values, kind: PiiType, locale: str, builder: _Builder) -> None:
    rng = values.rng
    if kind is PiiType.SECRET:
        value, template, what = values.secret(locale)
        builder.add_value(template, value, kind, f"secret:{what}")
        return
    if kind is PiiType.PHONE and rng.random() < 0.15:
        value, what = values.phone_plain(locale)
        words = rng.choice(PHONE_WORDS[locale])
        builder.add_value(f"{words} {{v}}", value, kind, f"phone:{locale}:{what}")
        return
    generate: dict[PiiType, Callable[[str], tuple[str, str]]] = {
        PiiType.EMAIL: values.email,
        PiiType.PHONE: values.phone,
        PiiType.PAYMENT_CARD: values.card,
        PiiType.IBAN: values.iban,
        PiiType.IP: values.ip,
        PiiType.NATIONAL_ID: values.national,
        PiiType.PERSON_NAME: values.name,
        PiiType.STREET_ADDRESS: values.address,
    }
    value, what = generate[kind](locale)
    template = rng.choice(TEMPLATES[kind])
    if kind is PiiType.IP and ":" in value and template.startswith("server"):
        template = "server [{v}]:8080"
    template = template.replace("{w}", rng.choice(PHONE_WORDS[locale]))
    if kind is PiiType.NATIONAL_ID:
        template = template.replace("{label}", rng.choice(ID_LABELS[what]))
    builder.add_value(template, value, kind, f"{kind.value}:{locale}:{what}")


def generate_corpus(seed: int = 20240521, items: int = 3000) -> list[CorpusItem]:
    """``items`` labelled texts: one to three values each, a decoy in most, filler around."""
    rng = random.Random(seed)
    values = Values(rng)
    corpus: list[CorpusItem] = []
    for index in range(items):
        locale = LOCALES[index % len(LOCALES)]
        builder = _Builder()
        decoys: list[str] = []
        if rng.random() < 0.5:
            builder.add(rng.choice(FILLER[locale]))
        segments = [_TYPE_CYCLE[index % len(_TYPE_CYCLE)]]
        if rng.random() < 0.3:
            segments.append(rng.choice(_TYPE_CYCLE))
        if index % 7 == 0:
            segments = []  # decoys only
        for kind in segments:
            if rng.random() < 0.6:
                decoy, decoy_kind = make_decoy(values, locale)
                builder.add(decoy + rng.choice([",", ";", " -", "."]))
                decoys.append(decoy_kind)
            _value_segment(values, kind, locale, builder)
        for _ in range(rng.choice([1, 1, 2]) if not segments else rng.choice([0, 1])):
            decoy, decoy_kind = make_decoy(values, locale)
            # Two numbers in a row are kept apart by punctuation or a word in real text;
            # a bare space is left only before something that is not plain digits.
            glue = rng.choice([", ", "; ", ". ", " - ", " "])
            if glue == " " and decoy.split(" ")[0].isdigit():
                glue = ", "
            builder.add_glued(glue, decoy)
            decoys.append(decoy_kind)
        if rng.random() < 0.5:
            builder.add(rng.choice(FILLER[locale]))
        corpus.append(CorpusItem(builder.text(), tuple(builder.spans), locale, tuple(decoys)))
    return corpus


# -- scoring -----------------------------------------------------------------------

MIN_OVERLAP = 0.8
"""A detection matches a labelled span of its type when intersection over union is at least this."""


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def evaluate(scanner: PiiScanner, corpus: Iterable[CorpusItem]) -> dict[PiiType, Score]:
    """Precision and recall per type of ``scanner`` on ``corpus``."""
    scores = {kind: Score() for kind in PiiType}
    for item in corpus:
        found = scanner.scan_text(item.text)
        matched: set[int] = set()
        for span in item.spans:
            if span.type not in scanner.types:
                continue
            score = scores[span.type]
            best = None
            for i, finding in enumerate(found):
                if i in matched or finding.type is not span.type:
                    continue
                if _iou((finding.start, finding.end), (span.start, span.end)) >= MIN_OVERLAP:
                    best = i
                    break
            if best is None:
                score.fn += 1
                score.misses.append(f"{span.what}: {item.text[span.start : span.end]!r}")
            else:
                matched.add(best)
                score.tp += 1
                if (found[best].start, found[best].end) == (span.start, span.end):
                    score.exact += 1
        for i, finding in enumerate(found):
            if i not in matched:
                scores[finding.type].fp += 1
                scores[finding.type].false_alarms.append(
                    f"{finding.detector}: {finding.value!r} in {item.text!r}"
                )
    return scores


def format_table(scores: dict[PiiType, Score], kinds: Sequence[PiiType] = tuple(PiiType)) -> str:
    """The scores as a Markdown table."""
    lines = [
        "| type | labelled | found | false alarms | precision | recall | exact span |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in kinds:
        s = scores[kind]
        exact = s.exact / s.tp if s.tp else 1.0
        lines.append(
            f"| {kind.value} | {s.tp + s.fn} | {s.tp} | {s.fp} | "
            f"{s.precision:.3f} | {s.recall:.3f} | {exact:.3f} |"
        )
    return "\n".join(lines)


# -- throughput --------------------------------------------------------------------

_PROSE_TEXT = """
the of and to in is that for it as was with be by on not he this are or his from at
which but have an they you were her she there would their we him been has when who will
more no if out so said what up its about into than them can only other new some could
time these two may then do first any my now such like our over man me even most made
after also did many before must through back years where much your way well down should
because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while
last might us great old year off come since against go came right used take three
"""
_PROSE = _PROSE_TEXT.split()
_CODE = [
    "def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}",
    "for (let i = 0; i < items.length; i++) { total += items[i].price * items[i].qty; }",
    "SELECT id, created_at FROM orders WHERE status = 'open' AND total > 100 LIMIT 50;",
    "2024-03-11 14:02:17,553 INFO  [worker-3] processed batch 1182 in 0.42s (3120 rows)",
    "pip install numpy==1.26.4 pandas==2.2.1 && python -m pytest -q tests/ -k 'not slow'",
]


def text_heavy_records(seed: int = 7, count: int = 2000) -> list[dict[str, object]]:
    """Chat-style records: mostly prose, some code and logs, numbers, dates, PII in 1 in 5."""
    rng = random.Random(seed)
    values = Values(rng)
    records: list[dict[str, object]] = []
    for index in range(count):
        locale = LOCALES[index % len(LOCALES)]
        messages = []
        for turn in range(rng.randrange(2, 6)):
            sentences = []
            for _ in range(rng.randrange(3, 12)):
                words = rng.choices(_PROSE, k=rng.randrange(6, 20))
                words[0] = words[0].capitalize()
                if rng.random() < 0.3:
                    words.insert(rng.randrange(len(words)), str(rng.randrange(1, 2030)))
                sentences.append(" ".join(words) + rng.choice([".", ".", "?", "!"]))
            if rng.random() < 0.25:
                sentences.append(rng.choice(_CODE))
            if rng.random() < 0.1:
                sentences.append(make_decoy(values, locale)[0])
            if rng.random() < 0.2:
                builder = _Builder()
                _value_segment(values, rng.choice(_TYPE_CYCLE[:9]), locale, builder)
                sentences.insert(rng.randrange(len(sentences)), builder.text())
            role = "user" if turn % 2 == 0 else "assistant"
            messages.append({"role": role, "content": " ".join(sentences)})
        records.append({"id": index, "messages": messages, "lang": locale.lower()})
    return records


def measure_throughput(scanner: PiiScanner, records: Sequence[dict[str, object]]) -> float:
    """MB/s of string content (UTF-8 bytes) scanned by ``scanner.scan_record``, best of three."""
    size = sum(
        len(m["content"].encode())  # type: ignore[index]
        for r in records
        for m in r["messages"]  # type: ignore[attr-defined]
    )
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for record in records:
            scanner.scan_record(record)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - began)
    return size / best / 1e6


def main() -> None:
    corpus = generate_corpus()
    scanner = PiiScanner(ALL_TYPES)
    began = time.perf_counter()
    scores = evaluate(scanner, corpus)
    elapsed = time.perf_counter() - began
    print(f"{len(corpus)} items, {sum(len(i.spans) for i in corpus)} labelled values, ")
    print(f"{sum(len(i.decoys) for i in corpus)} decoys, scored in {elapsed:.2f} s\n")
    print(format_table(scores))
    records = text_heavy_records()
    print(f"\ndefault types: {measure_throughput(PiiScanner(), records):.1f} MB/s")
    print(f"all types:     {measure_throughput(PiiScanner(ALL_TYPES), records):.1f} MB/s")


if __name__ == "__main__":
    main()
