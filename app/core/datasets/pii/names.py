"""Optional detectors for person names and street addresses: modest heuristics, off by default.

Names: a known given name (a few hundred common ones across English, German,
French, Portuguese and Indian usage) followed by a capitalised surname, or a
title ("Mr", "Frau", "Mme", "Sra.", "Dr") followed by one or two capitalised
words. Street addresses: a house number and a street word in the order each
language writes them ("221B Baker Street", "Hauptstraße 5", "12 rue de la
Paix", "Rua das Flores, 123", "14 MG Road"). Both miss names and addresses
outside these shapes and flag some capitalised phrases that are not names;
docs/pii-evaluation.md has the measured precision and recall. A language
model would do better and costs far more than a regex per record.
"""

from __future__ import annotations

import re

from app.core.datasets.pii.types import PiiType, Raw

_GIVEN_NAMES_TEXT = """
    James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel
    Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy
    Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott
    Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron
    Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter Christian Keith
    Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy
    Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph
    Bobby Russell Bradley Philip Eugene Oliver Harry Charlie Oscar Leo Archie Alfie Freddie
    Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty
    Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie
    Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela
    Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather
    Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith
    Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn
    Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn
    Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie Amelia Isla
    Ava Mia Poppy Ella Lily Sophie Chloe Jessica Lucy Ellie Freya Evie
    Hans Jürgen Klaus Wolfgang Dieter Uwe Günter Horst Helmut Manfred Bernd Stefan Andreas
    Thomas Frank Jörg Ralf Sven Lukas Leon Finn Jonas Felix Maximilian Moritz Niklas Tobias Jan
    Tim Florian Matthias Sebastian Markus Christoph Alexander Philipp Ursula Monika Petra
    Sabine Renate Helga Karin Brigitte Ingrid Gabriele Claudia Susanne Birgit Andrea Katharina
    Julia Lena Lea Laura Leonie Hannah Johanna Marie Anja Nicole Stefanie Jana Sophie Mia
    Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Daniel Bernard Éric Frédéric
    Laurent Stéphane Olivier Sébastien Julien Thierry Mathieu Antoine Hugo Louis Lucas Jules
    Gabriel Raphaël Arthur Théo Nathan Marie Nathalie Isabelle Sylvie Catherine Françoise
    Martine Christine Monique Valérie Sandrine Céline Aurélie Camille Chloé Léa Manon Inès
    Jade Louise Juliette Zoé Élodie Émilie Margaux
    João José Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel Rafael
    Daniel Marcelo Bruno Eduardo Felipe Rodrigo Gustavo Guilherme Mateus Thiago Diego Leonardo
    Fernando Ricardo Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia
    Aline Beatriz Camila Larissa Letícia Mariana Gabriela Amanda Bruna Luana Rafaela Vitória
    Aarav Vivaan Aditya Vihaan Arjun Sai Reyansh Krishna Ishaan Rohan Rahul Amit Vikram Raj
    Sanjay Suresh Ramesh Rajesh Anil Sunil Vijay Ravi Arun Deepak Manoj Ajay Pradeep Sandeep
    Priya Ananya Diya Aadhya Saanvi Pooja Neha Anjali Sneha Divya Kavya Lakshmi Sunita Anita
    Kavita Meera Nisha Rekha Shreya Swati Deepika Aishwarya Isha Riya Tanvi Shweta
"""
GIVEN_NAMES = frozenset(_GIVEN_NAMES_TEXT.split())
"""Common given names across the scanner's locales."""

_STOP_SURNAMES_TEXT = """
    The A An And Or But If Of In On At To For From With By As Is Are Was Were Be Been Has Have
    Had Do Does Did Will Would Can Could May Might Must Shall Should This That These Those It
    Its He She They We You I My Your Our Their His Her Der Die Das Und Oder Le La Les Et Ou
    Un Une Des Du De O Os As E Um Uma Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April June July August September October November December Street
    Road Avenue Lane Drive Park Square Hall House Centre Center Church School College University
    Hospital Bank Group Ltd Inc Corp GmbH AG SA Says Said Told Asked Wrote Here There Today
    Tomorrow Yesterday Thanks Thank Please Hi Hello Dear
"""
_STOP_SURNAMES = frozenset(_STOP_SURNAMES_TEXT.split())

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LOW = "a-zß-öø-ÿā-ž"
_WORD = rf"(?:[{_UP}]['’])?[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?"
_PARTICLE = r"(?:(?:van der|van den|von der|de la|de|da|do|dos|das|du|van|von|di|del|le|al|bin) )?"

NAME = re.compile(
    rf"(?P<given>[{_UP}][{_LOW}]+)(?=[ \u00a0]+(?P<surname>{_PARTICLE}{_WORD})(?![\w\-]))"
)
"""A capitalised word and a capitalised surname; the lookahead lets each word try as given name.

Patterns here start with a character class, not a lookbehind, so ``re`` skips to candidates in
C; whether a match starts a word is checked afterwards (:func:`_starts_word`).
"""
TITLED_NAME = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Dona|Shri|Smt)\.?|M\.)"
    rf"[ \u00a0]+(?P<name>{_WORD}(?:[ \u00a0]+{_PARTICLE}{_WORD})?)(?![\w\-])"
)

_NUMBER = r"[0-9]{1,5}[A-Za-z]?"
ADDRESSES = (
    # 221B Baker Street; 14 MG Road; 1600 Pennsylvania Avenue NW
    re.compile(
        rf"{_NUMBER},?[ \u00a0]+(?:[{_UP}][\w'\-]*[ \u00a0]+){{1,3}}"
        r"(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Lane|Ln\.?|Boulevard|Blvd\.?|Drive|Dr\.?"
        r"|Court|Ct\.?|Place|Pl\.?|Way|Terrace|Close|Crescent|Gardens|Square|Parkway|Highway"
        r"|Row|Mews|Marg|Nagar|Colony|Salai)(?![\w\-])(?:[ \u00a0]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    ),
    # 12 rue de la Paix; 5 bis, avenue Victor Hugo
    re.compile(
        r"[0-9]{1,4}(?:[ \u00a0]?(?:bis|ter))?,?[ \u00a0]+"
        r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|square)"
        rf"[ \u00a0]+(?:(?:de la|de l'|des|du|de|d')[ \u00a0]?)?[{_UP}][\w'\-]*"
        rf"(?:[ \u00a0]+[{_UP}][\w'\-]*){{0,3}}"
    ),
    # Hauptstraße 5; Lindenweg 12a (the word is read whole, then its ending checked)
    re.compile(
        rf"[{_UP}][{_LOW}\-]*+"
        r"(?:(?<=straße)|(?<=strasse)|(?<=weg)|(?<=platz)|(?<=allee)|(?<=gasse)|(?<=ring)"
        r"|(?<=damm)|(?<=ufer)|(?<=chaussee)|(?<=steig)|(?<=str)\.)"
        r"[ \u00a0]+[0-9]{1,4}[ \u00a0]?[a-z]?(?![\w\-])"
    ),
    # Rua das Flores, 123; Av. Paulista, 1578
    re.compile(
        r"(?:Rua|Avenida|Av\.|Travessa|Alameda|Praça|Estrada|Rodovia)[ \u00a0]+"
        rf"(?:(?:da|do|dos|das|de)[ \u00a0]+)?[{_UP}][\w\-]*"
        rf"(?:[ \u00a0]+(?:(?:da|do|dos|das|de)[ \u00a0]+)?[{_UP}][\w\-]*){{0,4}},?[ \u00a0]+"
        r"(?:n[º°o]\.?[ \u00a0]?)?[0-9]{1,5}"
    ),
)
"""Street addresses in the order each language writes them."""


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-")


def find_names(text: str, out: list[Raw]) -> None:
    """Append likely person names in ``text`` to ``out``."""
    for match in TITLED_NAME.finditer(text):
        if _starts_word(text, match.start()):
            start, end = match.span("name")
            out.append((start, end, PiiType.PERSON_NAME, "person_name:title"))
    for match in NAME.finditer(text):
        if (
            match.group("given") in GIVEN_NAMES
            and match.group("surname") not in _STOP_SURNAMES
            and _starts_word(text, match.start())
        ):
            end = match.end("surname")
            out.append((match.start(), end, PiiType.PERSON_NAME, "person_name:given-name"))


def find_addresses(text: str, out: list[Raw]) -> None:
    """Append likely street addresses in ``text`` to ``out``."""
    for pattern in ADDRESSES:
        for match in pattern.finditer(text):
            if _starts_word(text, match.start()):
                out.append((match.start(), match.end(), PiiType.STREET_ADDRESS, "street_address"))
