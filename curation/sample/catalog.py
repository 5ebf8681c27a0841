"""Product facts of the fictional company "Nordlicht Gadgets", the single source of truth of the sample corpus.

Every support answer the generator writes (manual sections, agent e-mail replies, ticket resolutions)
comes from :data:`PRODUCTS`, so the same procedure is stated the same way everywhere and a fine-tuned
model can learn it.

Per topic:

- ``question`` is the canonical question, ``paraphrases`` are rewordings of it. ``question`` and every
  paraphrase but the last (:attr:`Topic.training_questions`) may appear in the raw corpus; the LAST
  paraphrase (:attr:`Topic.heldout_question`) never does: it goes to ``eval/heldout_questions.jsonl``.
- ``answer`` is the canonical answer; ``steps`` the same procedure as a numbered list (manuals).
- ``key_facts`` are short strings every good answer contains (each occurs verbatim in ``answer``).
- ``manual_page`` is the PDF page that documents the topic (only the A-45 manual is a PDF), else ``None``.

Manual outlines (``Product.outline``) list the manual's sections in order. An entry is either
``("topic", key)``, ``("specs", heading)`` or ``("text", heading, paragraphs, subsections)`` where
``subsections`` is a tuple of ``(heading, paragraphs)``; the A-45 PDF ignores subsections' nesting
and puts one outline entry per page (page 1 is the title page, so entry ``i`` is on page ``i + 2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

COMPANY_NAME = "Nordlicht Gadgets"
COMPANY_LEGAL_NAME = "Nordlicht Gadgets GmbH"
COMPANY_DOMAIN = "nordlicht.example"
COMPANY_DOMAINS = ("nordlicht.example", "mail.nordlicht.example", "mx.nordlicht.example")
SUPPORT_ADDRESS = "support@nordlicht.example"
SUPPORT_PHONE = "+49 30 555 0100"
COMPANY_POSTAL_ADDRESS = "Musterstraße 1, 10115 Berlin, Germany"
APP_NAME = "Nordlicht app"


@dataclass(frozen=True)
class Agent:
    first: str
    last: str
    id: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}@{COMPANY_DOMAIN}"


AGENTS: tuple[Agent, ...] = (
    Agent("Lena", "Fischer", 9000001),
    Agent("Moritz", "Hahn", 9000002),
    Agent("Aylin", "Kaya", 9000003),
    Agent("Jonas", "Weber", 9000004),
    Agent("Marie", "Dubois", 9000005),
)


@dataclass(frozen=True)
class Topic:
    key: str
    title: str  # heading of the manual section that documents the topic
    phrase: str  # short noun phrase for subjects: "factory reset"
    ticket_type: str  # Kaggle "Ticket Type"
    kaggle_subjects: tuple[str, ...]  # Kaggle "Ticket Subject" values that fit
    question: str
    paraphrases: tuple[str, ...]
    answer: str
    steps: tuple[str, ...]
    key_facts: tuple[str, ...]
    manual_page: int | None = None
    tip: str = ""  # extra advice an agent gives when the first answer did not help

    @property
    def training_questions(self) -> tuple[str, ...]:
        return (self.question, *self.paraphrases[:-1])

    @property
    def heldout_question(self) -> str:
        return self.paraphrases[-1]


@dataclass(frozen=True)
class Product:
    code: str  # "A-45"
    name: str  # "A-45 SuperWidget"
    short: str  # "SuperWidget"
    slug: str  # "a45"
    manual_format: str  # "pdf" | "markdown" | "html"
    manual_files: tuple[str, ...]  # relative to raw/manuals/
    manual_title: str
    intro: str
    specs: tuple[tuple[str, str], ...]
    topics: tuple[Topic, ...]
    outline: tuple[tuple, ...] = field(default=())
    manual_encoding: str = "utf-8"

    def topic(self, key: str) -> Topic:
        for topic in self.topics:
            if topic.key == key:
                return topic
        raise KeyError(key)


# --------------------------------------------------------------------------------------------------
# A-45 SuperWidget (PDF manual, latin-1 text only)
# --------------------------------------------------------------------------------------------------
A45_TOPICS = (
    Topic(
        key="reset",
        title="Resetting the SuperWidget",
        phrase="factory reset",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Product setup"),
        question="How do I reset my A-45 SuperWidget?",
        paraphrases=(
            "What is the way to factory reset the A-45 SuperWidget?",
            "My A-45 SuperWidget is frozen, how can I restore it to factory settings?",
            "My A-45 SuperWidget acts strange since the last update, can I wipe all settings and start over?",
            "Is there a way to erase my SuperWidget A-45 completely and set it up from scratch?",
            "Need a fresh start: how do I return my A-45 to factory defaults?",
            "The SuperWidget A-45 hangs constantly and restarting does not help - is there a hard reset that clears it?",
            "How do I wipe an A-45 SuperWidget that will not pair anymore?",
            "It ignores every tap. Can you tell me how to restore the A-45 SuperWidget to factory condition?",
            "Which button brings a SuperWidget A-45 back to its out-of-the-box state, and for how long must it be held?",
        ),
        answer=(
            "To reset the A-45 SuperWidget, press and hold the blue button on the back for 10 seconds "
            "until the light flashes green. Then release the button and wait about 30 seconds while the "
            "SuperWidget restarts. A reset erases all settings, so pair the SuperWidget with the Nordlicht "
            "app again afterwards."
        ),
        steps=(
            "Make sure the SuperWidget is switched on.",
            "Press and hold the blue button on the back for 10 seconds.",
            "Release the button when the light flashes green.",
            "Wait about 30 seconds while the SuperWidget restarts.",
            "Pair the SuperWidget with the Nordlicht app again.",
        ),
        key_facts=("blue button", "10 seconds", "flashes green"),
        manual_page=12,
        tip="If the light does not flash green, charge the SuperWidget for 20 minutes first and hold the blue button again.",
    ),
    Topic(
        key="pairing",
        title="Pairing with the Nordlicht app",
        phrase="pairing",
        ticket_type="Technical issue",
        kaggle_subjects=("Peripheral compatibility", "Product setup"),
        question="How do I pair my A-45 SuperWidget with my phone?",
        paraphrases=(
            "How can I connect the A-45 SuperWidget to the Nordlicht app?",
            "My phone does not find the A-45 SuperWidget, how do I get them paired?",
            "How do I link my A-45 SuperWidget with the Nordlicht app over Bluetooth?",
            "Bluetooth is on but the SuperWidget A-45 never appears in the list on my iPhone, how do I connect them?",
            "Need to set up my A-45 with my Android phone, how does the pairing work?",
            "Just got a replacement phone - how do I get my A-45 SuperWidget hooked up to it again?",
            "Where do I enter the pairing code for the A-45 SuperWidget?",
            "Pairing keeps failing. How do I add the SuperWidget A-45 to the Nordlicht app?",
            "What do I have to do so that the app on my smartphone recognises a new SuperWidget A-45?",
        ),
        answer=(
            "To pair the A-45 SuperWidget, turn on Bluetooth on your phone, open the Nordlicht app and tap "
            "Add device. Then press the power button twice; the light pulses blue while the SuperWidget is "
            "in pairing mode. Select A-45 in the app and enter the six-digit code printed under the battery cover."
        ),
        steps=(
            "Turn on Bluetooth on your phone.",
            "Open the Nordlicht app and tap Add device.",
            "Press the power button twice; the light pulses blue.",
            "Select A-45 in the app.",
            "Enter the six-digit code printed under the battery cover.",
        ),
        key_facts=("Nordlicht app", "press the power button twice", "pulses blue", "six-digit code"),
        manual_page=9,
        tip="If pairing still fails, remove the SuperWidget from the Bluetooth list of your phone and try again.",
    ),
    Topic(
        key="charging",
        title="Charging the battery",
        phrase="battery charging",
        ticket_type="Technical issue",
        kaggle_subjects=("Battery life", "Hardware issue"),
        question="How long does it take to charge the A-45 SuperWidget?",
        paraphrases=(
            "How do I charge my A-45 SuperWidget and how long does the battery last?",
            "The battery of my A-45 SuperWidget runs out quickly, what charger should I use?",
            "How many hours does a full charge of my A-45 SuperWidget take?",
            "My SuperWidget A-45 runs empty by lunchtime, which adapter and cable should I charge it with?",
            "Can I charge the A-45 SuperWidget from the USB port of my laptop?",
            "What battery life should I expect from the A-45 SuperWidget on one charge?",
            "Is my old phone charger strong enough for a SuperWidget A-45?",
            "Battery on my A-45 drains in a few hours. How should I be charging it?",
            "Which light tells me that the SuperWidget A-45 is still charging, and when is it full?",
        ),
        answer=(
            "Charge the A-45 SuperWidget with the supplied USB-C cable and a 5 V / 2 A adapter. A full charge "
            "takes about 2 hours; the light is solid amber while charging and turns solid green when the "
            "battery is full. A full battery lasts about 18 hours of normal use."
        ),
        steps=(
            "Connect the supplied USB-C cable to the SuperWidget.",
            "Plug the cable into a 5 V / 2 A adapter.",
            "Wait until the light changes from solid amber to solid green (about 2 hours).",
        ),
        key_facts=("USB-C", "2 hours", "solid amber", "18 hours"),
        manual_page=8,
        tip="Laptop USB ports often deliver too little power; please use a wall adapter with at least 2 A.",
    ),
    Topic(
        key="firmware",
        title="Updating the firmware",
        phrase="firmware update",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Installation support"),
        question="How do I update the firmware on my A-45 SuperWidget?",
        paraphrases=(
            "Is there a firmware update for the A-45 SuperWidget and how do I install it?",
            "How can I get the latest software onto my A-45 SuperWidget?",
            "How do I upgrade my A-45 SuperWidget to the newest firmware version?",
            "My A-45 is still on firmware 4.1, how do I install the latest release?",
            "A colleague's SuperWidget A-45 got new features after an update, how do I get them on mine?",
            "Can I flash new software onto the A-45 SuperWidget with my phone?",
            "The A-45 SuperWidget update keeps failing halfway, what do I need before I start it?",
            "Need the newest software on my SuperWidget A-45 - how does the update work?",
            "Where in the app do I find the option to bring the SuperWidget A-45 software up to date?",
        ),
        answer=(
            "To update the firmware of the A-45 SuperWidget, open the Nordlicht app, go to Settings > Device > "
            "Firmware and tap Update now. Keep the SuperWidget within 1 metre of your phone and make sure the "
            "battery is at least 50 percent charged. The update takes about 5 minutes and the light flashes "
            "purple until it is finished."
        ),
        steps=(
            "Charge the SuperWidget to at least 50 percent.",
            "Open the Nordlicht app and go to Settings > Device > Firmware.",
            "Tap Update now and keep the SuperWidget within 1 metre of your phone.",
            "Wait about 5 minutes until the light stops flashing purple.",
        ),
        key_facts=("Settings > Device > Firmware", "50 percent", "flashes purple"),
        manual_page=11,
        tip="If the update stops halfway, reset the SuperWidget and start the update again.",
    ),
    Topic(
        key="error_e17",
        title="Error codes",
        phrase="error E-17",
        ticket_type="Technical issue",
        kaggle_subjects=("Hardware issue", "Display issue"),
        question="What does error E-17 on my A-45 SuperWidget mean?",
        paraphrases=(
            "My A-45 SuperWidget shows E-17, what should I do?",
            "How do I fix error code E-17 on the A-45 SuperWidget?",
            "What is error E-17 on the A-45 SuperWidget telling me?",
            "My A-45 flashes E-17 at me, how do I get rid of it?",
            "Got an E-17 message on the A-45 SuperWidget while using it, what is the fix?",
            "How do I clear error E-17 from the A-45 SuperWidget?",
            "Help, my SuperWidget A-45 says E-17: what does it mean and how do I solve it?",
            "Is there anything I can try myself when my A-45 SuperWidget reports E-17?",
            "The code E-17 keeps appearing on the SuperWidget A-45 after start-up - is it broken?",
        ),
        answer=(
            "Error E-17 on the A-45 SuperWidget means the motion sensor failed its self-test. Switch the "
            "SuperWidget off, wait 1 minute and switch it on again. If E-17 appears again, contact Nordlicht "
            "Gadgets Support with your serial number for a free repair under the 2-year warranty."
        ),
        steps=(
            "Switch the SuperWidget off.",
            "Wait 1 minute and switch it on again.",
            "If E-17 appears again, contact support with your serial number.",
        ),
        key_facts=("E-17", "motion sensor", "wait 1 minute", "2-year warranty"),
        manual_page=13,
        tip="Please send us the serial number from the label under the battery cover so we can start the repair.",
    ),
)

A45 = Product(
    code="A-45",
    name="A-45 SuperWidget",
    short="SuperWidget",
    slug="a45",
    manual_format="pdf",
    manual_files=("a45_superwidget_manual.pdf",),
    manual_title="A-45 SuperWidget User Manual",
    intro=(
        "The A-45 SuperWidget is a pocket-sized smart controller with a motion sensor, a status light and a "
        "blue button on the back. It connects to your phone over Bluetooth and is set up in the Nordlicht app."
    ),
    specs=(
        ("Model", "A-45 SuperWidget"),
        ("Dimensions", "68 x 42 x 14 mm"),
        ("Weight", "54 g"),
        ("Battery", "1200 mAh lithium-ion, about 18 hours"),
        ("Charging", "USB-C, 5 V / 2 A, about 2 hours"),
        ("Wireless", "Bluetooth 5.2"),
        ("Operating temperature", "0 to 40 \u00b0C"),
        ("Warranty", "2 years"),
    ),
    topics=A45_TOPICS,
    outline=(
        ("text", "About this manual", (
            "This manual describes the A-45 SuperWidget with firmware 4.1 or later. Keep it for future reference.",
            "Each chapter starts on a new page. The page number is shown at the bottom of every page.",
        ), ()),
        ("text", "Safety information", (
            "Do not open the housing. The battery is not user-replaceable.",
            "Keep the SuperWidget away from water, open fire and temperatures above 40 \u00b0C.",
            "Use only the supplied USB-C cable or a certified 5 V / 2 A adapter.",
        ), ()),
        ("text", "Package contents", (
            "The box contains: the A-45 SuperWidget, a USB-C cable, a wrist strap and this manual.",
            "If anything is missing, contact the shop where you bought the SuperWidget.",
        ), ()),
        ("text", "Product overview", (
            "Front: status light. Back: blue button. Side: power button and USB-C port.",
            "Under the battery cover you find the serial number label and the six-digit pairing code.",
        ), ()),
        ("specs", "Technical specifications"),
        ("text", "Getting started", (
            "Charge the SuperWidget fully before first use.",
            "Install the Nordlicht app on your phone and create an account.",
            "Switch the SuperWidget on by pressing the power button for 2 seconds.",
        ), ()),
        ("topic", "charging"),
        ("topic", "pairing"),
        ("text", "Using the SuperWidget", (
            "Shake the SuperWidget twice to switch between the three modes: Home, Away and Night.",
            "The status light shows the current mode: white for Home, yellow for Away and dim red for Night.",
        ), ()),
        ("topic", "firmware"),
        ("topic", "reset"),
        ("topic", "error_e17"),
        ("text", "Cleaning and care", (
            "Clean the SuperWidget with a dry, soft cloth. Do not use solvents or cleaning agents.",
            "Store the SuperWidget in a dry place between 0 and 40 \u00b0C.",
        ), ()),
        ("text", "Warranty and service", (
            "Nordlicht Gadgets grants a 2-year warranty from the date of purchase.",
            "For service, contact support@nordlicht.example with your order number and serial number.",
        ), ()),
        ("text", "Disposal and contact", (
            "Do not dispose of the SuperWidget with household waste; take it to an electronics collection point.",
            "Nordlicht Gadgets Support: support@nordlicht.example, +49 30 555 0100, Monday to Friday 9:00-17:00.",
        ), ()),
    ),
    manual_encoding="latin-1",
)

# --------------------------------------------------------------------------------------------------
# B-12 MiniWidget (Markdown manual, v1 and v1.1)
# --------------------------------------------------------------------------------------------------
B12_TOPICS = (
    Topic(
        key="reset",
        title="Resetting the MiniWidget",
        phrase="reset",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Product setup"),
        question="How do I reset my B-12 MiniWidget?",
        paraphrases=(
            "How can I factory reset the B-12 MiniWidget?",
            "My B-12 MiniWidget stopped responding, how do I restore the factory settings?",
            "My B-12 MiniWidget is unresponsive, how do I erase it and start fresh?",
            "How do I restore the MiniWidget B-12 to factory defaults?",
            "Need to clear all settings on my B-12 MiniWidget, what is the reset procedure?",
            "The B-12 MiniWidget light does nothing when I press the button, can I do a hard reset?",
            "It ignores the app completely - how do I reset the B-12 MiniWidget to factory settings?",
            "Can I get my B-12 MiniWidget back to default settings myself, or do I have to send it in?",
            "Is there a hidden hole or switch to wipe a MiniWidget B-12, and how is it used?",
        ),
        answer=(
            "To reset the B-12 MiniWidget, insert a paperclip into the small hole next to the USB-C port and "
            "hold it for 5 seconds until the light blinks white three times. The MiniWidget then restarts "
            "with factory settings."
        ),
        steps=(
            "Find the small hole next to the USB-C port.",
            "Insert a paperclip and hold it for 5 seconds.",
            "Release when the light blinks white three times.",
        ),
        key_facts=("paperclip", "5 seconds", "blinks white three times"),
        tip="Please make sure the paperclip really presses the button inside; you feel a small click.",
    ),
    Topic(
        key="pairing",
        title="Pairing the MiniWidget",
        phrase="pairing",
        ticket_type="Technical issue",
        kaggle_subjects=("Peripheral compatibility", "Network problem"),
        question="How do I pair the B-12 MiniWidget with the Nordlicht app?",
        paraphrases=(
            "How do I connect my B-12 MiniWidget to my phone?",
            "The app cannot find my B-12 MiniWidget, how do I pair it?",
            "How do I set up my B-12 MiniWidget in the Nordlicht app?",
            "The MiniWidget B-12 does not show up when I tap Add device, what am I doing wrong?",
            "How do I get my B-12 MiniWidget talking to my iPhone over Bluetooth?",
            "Need to connect a second B-12 MiniWidget to the app, how does that work?",
            "Which entry in the app is my MiniWidget B-12 when I search for devices?",
            "Got a new Android phone, how do I pair my B-12 MiniWidget with it?",
            "What are the steps to link a brand-new MiniWidget B-12 to my account on the phone?",
        ),
        answer=(
            "To pair the B-12 MiniWidget, open the Nordlicht app, tap Add device and hold the top button for "
            "3 seconds until the light blinks blue. The MiniWidget appears in the app as B-12 followed by the "
            "last four digits of its serial number."
        ),
        steps=(
            "Open the Nordlicht app and tap Add device.",
            "Hold the top button for 3 seconds until the light blinks blue.",
            "Select the entry B-12 followed by the last four digits of the serial number.",
        ),
        key_facts=("hold the top button for 3 seconds", "blinks blue", "last four digits"),
        tip="Keep the MiniWidget within 2 metres of the phone while pairing.",
    ),
    Topic(
        key="battery",
        title="Replacing the battery",
        phrase="battery replacement",
        ticket_type="Product inquiry",
        kaggle_subjects=("Battery life", "Hardware issue"),
        question="Which battery does the B-12 MiniWidget use and how do I replace it?",
        paraphrases=(
            "How do I change the battery in my B-12 MiniWidget?",
            "How long does the B-12 MiniWidget battery last and what type is it?",
            "What size of coin battery fits the B-12 MiniWidget?",
            "How do I open the back of my MiniWidget B-12 to swap the battery?",
            "My B-12 MiniWidget is a year old, is it time for a new battery and which one?",
            "Is the battery in the B-12 replaceable or do I have to buy a new MiniWidget?",
            "How often will I have to replace the battery of my B-12 MiniWidget?",
            "Can I use a CR2032 in my MiniWidget B-12 instead of the original battery?",
            "The MiniWidget B-12 went dead - what kind of cell do I buy and how does it go in?",
        ),
        answer=(
            "The B-12 MiniWidget uses a replaceable CR2450 coin cell that lasts about 12 months. To replace "
            "it, twist the back cover counter-clockwise, insert the new CR2450 cell with the plus side facing "
            "up and twist the cover back until it clicks."
        ),
        steps=(
            "Twist the back cover counter-clockwise and remove it.",
            "Insert a new CR2450 cell with the plus side facing up.",
            "Twist the cover back until it clicks.",
        ),
        key_facts=("CR2450", "12 months", "plus side facing up"),
        tip="Some cheap CR2450 cells are slightly too thin; a branded cell makes better contact.",
    ),
    Topic(
        key="firmware",
        title="Firmware updates",
        phrase="firmware version",
        ticket_type="Product inquiry",
        kaggle_subjects=("Software bug", "Installation support"),
        question="How do I update the firmware of the B-12 MiniWidget?",
        paraphrases=(
            "Does the B-12 MiniWidget update itself, and how do I check the firmware version?",
            "Which firmware version should my B-12 MiniWidget have?",
            "How can I tell which firmware my B-12 MiniWidget is running?",
            "What is the newest firmware version for a MiniWidget B-12?",
            "My B-12 MiniWidget is still on an old version, how do I upgrade it?",
            "Where do I see the software version of the B-12 MiniWidget in the app?",
            "Is version 3.2 the latest for the B-12 MiniWidget?",
            "How do I get the latest firmware onto my MiniWidget B-12?",
            "Do I need to install new software on the MiniWidget B-12 by hand or does that happen on its own?",
        ),
        answer=(
            "The B-12 MiniWidget updates its firmware automatically overnight when it is paired with the "
            "Nordlicht app and within range of your phone. To check the version, open the device page in the "
            "app and look under About; the current firmware is version 3.2."
        ),
        steps=(
            "Keep the MiniWidget paired and within range of your phone overnight.",
            "Open the device page in the Nordlicht app.",
            "Look under About; the current firmware is version 3.2.",
        ),
        key_facts=("automatically overnight", "About", "version 3.2"),
        tip="If it still shows an older version after two nights, reset the MiniWidget and pair it again.",
    ),
    Topic(
        key="warranty",
        title="Warranty claims",
        phrase="warranty claim",
        ticket_type="Refund request",
        kaggle_subjects=("Refund request", "Hardware issue"),
        question="How do I make a warranty claim for my B-12 MiniWidget?",
        paraphrases=(
            "My B-12 MiniWidget is broken, is it still under warranty?",
            "How long is the warranty on the B-12 MiniWidget and how do I send it back?",
            "How do I return my B-12 MiniWidget under warranty?",
            "My MiniWidget B-12 broke after eight months, is that covered?",
            "Can I get my broken B-12 MiniWidget repaired or exchanged free of charge?",
            "How many years of warranty come with the B-12 MiniWidget?",
            "The button on my B-12 MiniWidget no longer clicks, how do I file a claim?",
            "Do I pay for shipping when I send a broken MiniWidget B-12 back to you?",
            "A MiniWidget B-12 I purchased last year is defective - what do you need from me to replace it?",
        ),
        answer=(
            "The B-12 MiniWidget has a 2-year warranty from the date of purchase. To make a warranty claim, "
            "email support@nordlicht.example with your order number and a photo of the serial number label; we "
            "send a prepaid return label within 2 business days."
        ),
        steps=(
            "Find your order number and take a photo of the serial number label.",
            "Email both to support@nordlicht.example.",
            "Use the prepaid return label we send within 2 business days.",
        ),
        key_facts=("2-year warranty", "order number", "serial number label", "prepaid return label"),
        tip="The serial number label is inside the battery compartment.",
    ),
)

B12 = Product(
    code="B-12",
    name="B-12 MiniWidget",
    short="MiniWidget",
    slug="b12",
    manual_format="markdown",
    manual_files=("b12_miniwidget_manual_v1.md", "b12_miniwidget_manual_v1.1.md"),
    manual_title="B-12 MiniWidget User Manual",
    intro=(
        "The B-12 MiniWidget is the small sibling of the SuperWidget: a coin-sized smart button that runs "
        "for a year on one battery and talks to the Nordlicht app over Bluetooth."
    ),
    specs=(
        ("Model", "B-12 MiniWidget"),
        ("Diameter", "38 mm"),
        ("Weight", "12 g"),
        ("Battery", "CR2450 coin cell, about 12 months"),
        ("Wireless", "Bluetooth Low Energy 5.0"),
        ("Water resistance", "IP54 (splash proof)"),
        ("Warranty", "2 years"),
    ),
    topics=B12_TOPICS,
    outline=(
        ("text", "Getting to know the MiniWidget", (
            "Read this chapter before you use the MiniWidget for the first time.",
        ), (
            ("In the box", ("One B-12 MiniWidget, one CR2450 coin cell (already inserted) and an adhesive pad.",)),
            ("Buttons and lights", ("The MiniWidget has one top button, a status light and a small reset hole next to the USB-C port.",)),
        )),
        ("specs", "Specifications"),
        ("topic", "pairing"),
        ("topic", "battery"),
        ("topic", "firmware"),
        ("topic", "reset"),
        ("topic", "warranty"),
        ("text", "Safety and care", (
            "Do not swallow the coin cell. Keep the MiniWidget and spare cells away from children.",
            "Clean the MiniWidget with a damp cloth. Do not immerse it in water.",
        ), ()),
        ("text", "Contact", (
            "Nordlicht Gadgets Support answers e-mails at support@nordlicht.example Monday to Friday.",
        ), ()),
    ),
)

# --------------------------------------------------------------------------------------------------
# C-7 HubStation (Markdown manual)
# --------------------------------------------------------------------------------------------------
C7_TOPICS = (
    Topic(
        key="reset",
        title="Factory reset",
        phrase="factory reset",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Network problem"),
        question="How do I factory reset the C-7 HubStation?",
        paraphrases=(
            "How can I reset my C-7 HubStation to its factory settings?",
            "My C-7 HubStation is stuck, how do I do a full reset?",
            "How do I wipe my C-7 HubStation and start over?",
            "What is the reset procedure for the HubStation C-7?",
            "My C-7 HubStation has the wrong Wi-Fi and devices stored, can I clear it back to factory settings?",
            "How do I restore the C-7 HubStation to default settings after a messed up setup?",
            "Nothing in the app works with this HubStation C-7 anymore, is a hard reset possible?",
            "Need a complete factory wipe of my C-7 HubStation - how is that done?",
            "I am giving my HubStation C-7 to a friend; how do I erase everything on it first?",
        ),
        answer=(
            "To factory reset the C-7 HubStation, unplug the power cable, hold the reset button on the bottom "
            "and plug the cable back in while still holding it. Keep holding for 15 seconds until the ring "
            "light turns orange, then release it. All connected devices must be added again after the reset."
        ),
        steps=(
            "Unplug the power cable.",
            "Hold the reset button on the bottom and plug the cable back in.",
            "Keep holding for 15 seconds until the ring light turns orange.",
            "Release the button and add your devices again.",
        ),
        key_facts=("reset button on the bottom", "15 seconds", "ring light turns orange"),
        tip="Use a pen tip for the reset button; it sits slightly recessed.",
    ),
    Topic(
        key="wifi",
        title="Connecting to Wi-Fi",
        phrase="Wi-Fi connection",
        ticket_type="Technical issue",
        kaggle_subjects=("Network problem", "Product setup"),
        question="How do I connect the C-7 HubStation to my Wi-Fi?",
        paraphrases=(
            "My C-7 HubStation does not find my wireless network, what can I do?",
            "Which Wi-Fi networks does the C-7 HubStation support?",
            "How do I set up Wi-Fi on my C-7 HubStation?",
            "The C-7 HubStation keeps failing at the Wi-Fi password step, what am I missing?",
            "After changing my router, how do I connect our HubStation C-7 to the new wireless network?",
            "My C-7 HubStation cannot see my WLAN, how do I fix that?",
            "What do I need to hook the C-7 HubStation up to my router wirelessly?",
            "Setting up a HubStation C-7 and it never connects to Wi-Fi, what should I try?",
            "Why won't the HubStation C-7 join my 5 GHz home network, and how do I get it online?",
        ),
        answer=(
            "The C-7 HubStation only supports 2.4 GHz Wi-Fi networks. To connect it, open the Nordlicht app, "
            "choose Add hub, select your 2.4 GHz network and enter the password. The ring light turns solid "
            "white when the HubStation is online."
        ),
        steps=(
            "Open the Nordlicht app and choose Add hub.",
            "Select your 2.4 GHz network and enter the password.",
            "Wait until the ring light turns solid white.",
        ),
        key_facts=("2.4 GHz", "Add hub", "solid white"),
        tip="Many routers can enable a separate 2.4 GHz network in their settings.",
    ),
    Topic(
        key="devices",
        title="Adding devices to the hub",
        phrase="adding devices",
        ticket_type="Product inquiry",
        kaggle_subjects=("Product compatibility", "Peripheral compatibility"),
        question="How do I add a device to my C-7 HubStation?",
        paraphrases=(
            "How many devices can the C-7 HubStation control and how do I add them?",
            "How do I connect my Nordlicht accessories to the C-7 HubStation?",
            "How do I pair a new sensor with my C-7 HubStation?",
            "The HubStation C-7 does not find my accessory when I try to add it, what am I doing wrong?",
            "Can I connect my other Nordlicht devices to the C-7 HubStation, and how?",
            "Where do I add accessories to my C-7 HubStation in the app?",
            "My MiniWidget is already paired with my phone, how do I move it to the C-7 HubStation?",
            "How far away from the HubStation C-7 may an accessory be during setup?",
            "Is there a limit to how many gadgets a HubStation C-7 can manage, and what is the procedure for adding one?",
        ),
        answer=(
            "The C-7 HubStation can control up to 32 Nordlicht devices. To add one, open the hub in the "
            "Nordlicht app, tap Add accessory and put the accessory into pairing mode within 2 minutes. Keep "
            "the accessory within 10 metres of the HubStation during pairing."
        ),
        steps=(
            "Open the hub in the Nordlicht app.",
            "Tap Add accessory.",
            "Put the accessory into pairing mode within 2 minutes.",
            "Keep it within 10 metres of the HubStation until it appears in the app.",
        ),
        key_facts=("up to 32 Nordlicht devices", "Add accessory", "2 minutes", "10 metres"),
        tip="Accessories that were paired to a phone before must be reset first.",
    ),
    Topic(
        key="firmware",
        title="Updating the HubStation",
        phrase="firmware update",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Installation support"),
        question="How do I update the firmware of the C-7 HubStation?",
        paraphrases=(
            "Is there a software update for my C-7 HubStation?",
            "How long does a C-7 HubStation firmware update take?",
            "How do I upgrade the firmware on my C-7 HubStation?",
            "Where do I check for new firmware for the C-7 HubStation?",
            "My C-7 HubStation says an update is available, how do I install it?",
            "How do I get the latest version onto my HubStation C-7?",
            "Does the C-7 HubStation need a firmware upgrade to work with the current app?",
            "How do I find out whether my C-7 HubStation runs the current firmware?",
            "Can I make the HubStation C-7 install its newest system software, and may I unplug it while that runs?",
        ),
        answer=(
            "To update the C-7 HubStation firmware, open the hub in the Nordlicht app and tap Check for updates. "
            "Do not unplug the HubStation while the ring light is spinning blue; the update takes up to 10 "
            "minutes and the hub restarts by itself."
        ),
        steps=(
            "Open the hub in the Nordlicht app.",
            "Tap Check for updates.",
            "Do not unplug the HubStation while the ring light is spinning blue.",
            "Wait up to 10 minutes until the hub restarts by itself.",
        ),
        key_facts=("Check for updates", "spinning blue", "10 minutes"),
        tip="If the light spins blue for more than 30 minutes, unplug the hub once and start the update again.",
    ),
    Topic(
        key="red_light",
        title="Red ring light",
        phrase="red ring light",
        ticket_type="Technical issue",
        kaggle_subjects=("Network problem", "Hardware issue"),
        question="Why is the ring light on my C-7 HubStation red?",
        paraphrases=(
            "The C-7 HubStation shows a red light, what does that mean?",
            "How do I fix the red ring light on my C-7 HubStation?",
            "What does a red ring on the C-7 HubStation mean?",
            "My HubStation C-7 light turned red and the app says offline, how do I fix it?",
            "The ring on my C-7 HubStation went from white to red, what happened?",
            "How do I get the ring light of the C-7 HubStation back to white?",
            "After a power cut the ring on my C-7 HubStation is red, what should I do?",
            "Red light on our HubStation C-7 and none of my devices respond, is it offline?",
            "Since this morning the HubStation C-7 glows red all the time - what is wrong with it?",
        ),
        answer=(
            "A red ring light on the C-7 HubStation means it has lost its internet connection. Check that your "
            "router is online, then restart the HubStation by unplugging it for 30 seconds. If the light stays "
            "red, reconnect the hub to Wi-Fi in the Nordlicht app."
        ),
        steps=(
            "Check that your router is online.",
            "Unplug the HubStation for 30 seconds and plug it in again.",
            "If the light stays red, reconnect the hub to Wi-Fi in the Nordlicht app.",
        ),
        key_facts=("lost its internet connection", "30 seconds", "reconnect"),
        tip="If you changed your Wi-Fi password recently, the hub needs the new one.",
    ),
)

C7 = Product(
    code="C-7",
    name="C-7 HubStation",
    short="HubStation",
    slug="c7",
    manual_format="markdown",
    manual_files=("c7_hubstation_manual.md",),
    manual_title="C-7 HubStation User Manual",
    intro=(
        "The C-7 HubStation connects your Nordlicht devices to the internet and lets you control them from "
        "anywhere. It needs a 2.4 GHz Wi-Fi network and a power outlet."
    ),
    specs=(
        ("Model", "C-7 HubStation"),
        ("Dimensions", "110 x 110 x 32 mm"),
        ("Power", "12 V DC, 1 A (adapter included)"),
        ("Wi-Fi", "802.11 b/g/n, 2.4 GHz only"),
        ("Devices", "up to 32"),
        ("Warranty", "2 years"),
    ),
    topics=C7_TOPICS,
    outline=(
        ("text", "Before you begin", (
            "Place the HubStation in a central spot of your home, at least 1 metre away from the router.",
        ), (
            ("What you need", ("A 2.4 GHz Wi-Fi network, a smartphone with the Nordlicht app and a power outlet.",)),
            ("The ring light", ("White means online, spinning blue means updating, orange means reset and red means offline.",)),
        )),
        ("specs", "Specifications"),
        ("topic", "wifi"),
        ("topic", "devices"),
        ("topic", "firmware"),
        ("topic", "red_light"),
        ("topic", "reset"),
        ("text", "Support", (
            "Questions? Write to support@nordlicht.example or call +49 30 555 0100.",
        ), ()),
    ),
)

# --------------------------------------------------------------------------------------------------
# D-90 PowerDock (HTML manual in windows-1252)
# --------------------------------------------------------------------------------------------------
D90_TOPICS = (
    Topic(
        key="not_charging",
        title="The PowerDock does not charge",
        phrase="charging problem",
        ticket_type="Technical issue",
        kaggle_subjects=("Hardware issue", "Battery life"),
        question="Why does my D-90 PowerDock not charge my phone?",
        paraphrases=(
            "My D-90 PowerDock is not charging, what can I do?",
            "The D-90 PowerDock does not start charging when I put my device on it.",
            "My phone won't charge on the D-90 PowerDock, what could be wrong?",
            "Can a phone case stop my PowerDock D-90 from charging?",
            "Which power adapter do I need for the D-90 PowerDock to charge my phone?",
            "Charging on my D-90 PowerDock only works if I place the phone exactly right, is that normal?",
            "My D-90 PowerDock won't charge with my old phone plug, do I need a different adapter?",
            "Why will my PowerDock D-90 not charge anything anymore?",
            "I set my handset on the PowerDock D-90 and nothing happens - how do I get power flowing?",
        ),
        answer=(
            "If the D-90 PowerDock does not charge your device, check that the supplied 65 W power adapter is "
            "connected, not a phone charger. Place the device in the centre of the charging pad; the LED turns "
            "green when charging starts. Remove phone cases thicker than 5 mm."
        ),
        steps=(
            "Connect the supplied 65 W power adapter, not a phone charger.",
            "Place the device in the centre of the charging pad.",
            "Remove phone cases thicker than 5 mm.",
            "Check that the LED turns green.",
        ),
        key_facts=("65 W power adapter", "centre of the charging pad", "turns green", "5 mm"),
        tip="Metal objects such as magnetic mounts between phone and pad also stop charging.",
    ),
    Topic(
        key="overheating",
        title="Overheating protection",
        phrase="overheating",
        ticket_type="Technical issue",
        kaggle_subjects=("Hardware issue", "Battery life"),
        question="Why does the LED on my D-90 PowerDock blink orange?",
        paraphrases=(
            "My D-90 PowerDock stops charging and gets hot, is that normal?",
            "What does the orange blinking light on the D-90 PowerDock mean?",
            "The LED on my D-90 PowerDock flashes orange, what is wrong?",
            "Is it safe that my PowerDock D-90 gets so hot to the touch?",
            "Orange flashing on the D-90 PowerDock and charging stopped, how do I get it going again?",
            "At what temperature does the D-90 PowerDock stop charging?",
            "How long do I have to wait for my D-90 PowerDock to cool down before it charges again?",
            "My phone gets really hot on this PowerDock D-90 and its light turns orange, is something broken?",
            "Charging on the PowerDock D-90 keeps pausing on warm afternoons - why does it do that?",
        ),
        answer=(
            "The D-90 PowerDock pauses charging when its temperature exceeds 45 \u00b0C and the LED blinks "
            "orange. Move the PowerDock away from direct sunlight and heaters, let it cool down for 15 minutes "
            "and charging resumes automatically."
        ),
        steps=(
            "Move the PowerDock away from direct sunlight and heaters.",
            "Let it cool down for 15 minutes.",
            "Charging resumes automatically.",
        ),
        key_facts=("45 \u00b0C", "blinks orange", "15 minutes"),
        tip="A thick phone case traps heat; try charging without it.",
    ),
    Topic(
        key="firmware",
        title="Updating the PowerDock",
        phrase="firmware update",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Installation support"),
        question="How do I update the firmware of the D-90 PowerDock?",
        paraphrases=(
            "Is there a firmware update for the D-90 PowerDock?",
            "How do I install new software on my D-90 PowerDock?",
            "How do I upgrade the software of my D-90 PowerDock with my computer?",
            "Where do I get the newest firmware for my PowerDock D-90?",
            "My D-90 PowerDock update stopped in the middle, how do I run it again?",
            "Which cable do I need to update the D-90 PowerDock?",
            "Can I update a PowerDock D-90 from a Mac?",
            "How do I check if my D-90 PowerDock needs a firmware update?",
            "The PowerDock D-90 has no app support - so how does it receive newer firmware?",
        ),
        answer=(
            "To update the D-90 PowerDock, connect it to your computer with the USB-C data cable, open Nordlicht "
            "Desktop and click Update PowerDock. Do not disconnect the cable until the LED stops flashing white, "
            "which takes about 3 minutes."
        ),
        steps=(
            "Connect the PowerDock to your computer with the USB-C data cable.",
            "Open Nordlicht Desktop and click Update PowerDock.",
            "Do not disconnect the cable until the LED stops flashing white (about 3 minutes).",
        ),
        key_facts=("Nordlicht Desktop", "Update PowerDock", "flashing white", "3 minutes"),
        tip="The charging cable in the box carries no data; please use a USB-C data cable.",
    ),
    Topic(
        key="reset",
        title="Resetting the PowerDock",
        phrase="reset",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Product setup"),
        question="How do I reset my D-90 PowerDock?",
        paraphrases=(
            "How can I restore the default settings of the D-90 PowerDock?",
            "My D-90 PowerDock behaves strangely, how do I reset it?",
            "How do I wipe the settings on my D-90 PowerDock?",
            "My PowerDock D-90 is acting up, can I restore its defaults?",
            "Is a factory reset possible on the D-90 PowerDock?",
            "It charges only now and then - how do I reset the D-90 PowerDock to default settings?",
            "Need to clear my PowerDock D-90 after a failed update, how do I do that?",
            "How does resetting a D-90 PowerDock work?",
            "Is there a key combination that returns the PowerDock D-90 to how it was when new?",
        ),
        answer=(
            "To reset the D-90 PowerDock, press the small power button on the side five times in a row. The LED "
            "flashes red twice to confirm and the PowerDock restarts with default settings."
        ),
        steps=(
            "Press the small power button on the side five times in a row.",
            "Wait until the LED flashes red twice.",
            "The PowerDock restarts with default settings.",
        ),
        key_facts=("power button on the side", "five times", "flashes red twice"),
        tip="Press the button quickly; the five presses must happen within 3 seconds.",
    ),
    Topic(
        key="warranty",
        title="Warranty and replacement",
        phrase="replacement",
        ticket_type="Refund request",
        kaggle_subjects=("Refund request", "Delivery problem"),
        question="How long is the warranty on the D-90 PowerDock?",
        paraphrases=(
            "My D-90 PowerDock is defective, how do I get a replacement?",
            "Do I have to send my broken D-90 PowerDock back before I get a new one?",
            "Is my D-90 PowerDock still covered after two years?",
            "The PowerDock D-90 died after a few months, can I get a new one?",
            "What proof do I need to claim a replacement for my D-90 PowerDock?",
            "What warranty period comes with a D-90 PowerDock?",
            "Where do I request a replacement for a PowerDock D-90 that stopped working?",
            "Lost the receipt for my D-90 PowerDock - can I still get it replaced under warranty?",
            "What does it take to swap a faulty PowerDock D-90 under guarantee, and how fast is it?",
        ),
        answer=(
            "The D-90 PowerDock is covered by a 3-year warranty. For a replacement, open a ticket at "
            "support@nordlicht.example with your proof of purchase; defective docks are replaced within 5 "
            "business days and you do not need to return the old unit first."
        ),
        steps=(
            "Write to support@nordlicht.example.",
            "Attach your proof of purchase.",
            "Receive the replacement within 5 business days; keep the old unit until we send a return label.",
        ),
        key_facts=("3-year warranty", "proof of purchase", "5 business days"),
        tip="A photo of the receipt is enough as proof of purchase.",
    ),
)

D90 = Product(
    code="D-90",
    name="D-90 PowerDock",
    short="PowerDock",
    slug="d90",
    manual_format="html",
    manual_files=("d90_powerdock_manual.html",),
    manual_title="D-90 PowerDock User Manual",
    intro=(
        "The D-90 PowerDock is a wireless charging dock for phones and Nordlicht devices \u2013 designed in "
        "Berlin and tested from 0 \u00b0C to 35 \u00b0C."
    ),
    specs=(
        ("Model", "D-90 PowerDock"),
        ("Input", "65 W power adapter (included)"),
        ("Wireless output", "up to 15 W"),
        ("Operating temperature", "0 \u00b0C \u2013 35 \u00b0C"),
        ("Overheat protection", "pauses above 45 \u00b0C"),
        ("Warranty", "3 years"),
    ),
    topics=D90_TOPICS,
    outline=(
        ("text", "Overview", (
            "The PowerDock\u2019s charging pad is on the top, the LED and the small power button are on the side.",
        ), (
            ("LED colours", ("Green: charging. Orange blinking: too warm. White flashing: update. Red flashing twice: reset.",)),
        )),
        ("specs", "Technical data"),
        ("topic", "not_charging"),
        ("topic", "overheating"),
        ("topic", "firmware"),
        ("topic", "reset"),
        ("topic", "warranty"),
        ("text", "Declaration of conformity", (
            "Nordlicht Gadgets declares that the D-90 PowerDock complies with directive 2014/53/EU. "
            "Fran\u00e7ais : d\u00e9claration de conformit\u00e9 disponible sur demande.",
        ), ()),
    ),
    manual_encoding="cp1252",
)

# --------------------------------------------------------------------------------------------------
# E-3 SmartTag (HTML manual in UTF-8)
# --------------------------------------------------------------------------------------------------
E3_TOPICS = (
    Topic(
        key="battery",
        title="Changing the battery",
        phrase="battery change",
        ticket_type="Product inquiry",
        kaggle_subjects=("Battery life", "Hardware issue"),
        question="How do I change the battery of my E-3 SmartTag?",
        paraphrases=(
            "Which battery does the E-3 SmartTag need?",
            "How long does the battery of the E-3 SmartTag last?",
            "How do I open the E-3 SmartTag to put in a fresh battery?",
            "The app says the battery of my E-3 SmartTag is low, how do I replace it?",
            "How many months does a battery last in a SmartTag E-3?",
            "Can I replace the battery of the E-3 SmartTag myself or do I send it in?",
            "Does my E-3 SmartTag use a CR2025 or a CR2032?",
            "Where can I buy a spare battery for my SmartTag E-3, and which one is it?",
            "The SmartTag E-3 went silent; what coin cell do I get and how do I fit it?",
        ),
        answer=(
            "The E-3 SmartTag uses a CR2032 battery that lasts about 1 year. To replace it, press the two clips "
            "on the side, lift off the front cover and insert a new CR2032 battery with the text facing you. "
            "The SmartTag beeps twice when it has power again."
        ),
        steps=(
            "Press the two clips on the side and lift off the front cover.",
            "Insert a new CR2032 battery with the text facing you.",
            "Put the cover back; the SmartTag beeps twice.",
        ),
        key_facts=("CR2032", "1 year", "beeps twice"),
        tip="Batteries with a bitter coating sometimes do not make contact; try a different brand.",
    ),
    Topic(
        key="pairing",
        title="Pairing a SmartTag",
        phrase="pairing",
        ticket_type="Technical issue",
        kaggle_subjects=("Peripheral compatibility", "Account access"),
        question="How do I pair the E-3 SmartTag with my phone?",
        paraphrases=(
            "How do I add my E-3 SmartTag to the Nordlicht app?",
            "Can I pair one E-3 SmartTag with two accounts?",
            "How do I link the E-3 SmartTag to my phone?",
            "My SmartTag E-3 is not appearing in the app when I try to add it, why?",
            "Can my partner and I both use the same E-3 SmartTag on our phones?",
            "How close does my phone have to be to the E-3 SmartTag while pairing?",
            "Does the SmartTag E-3 play a sound when pairing is done?",
            "Need to set up an E-3 SmartTag with my iPhone, how does the pairing go?",
            "I just unboxed a SmartTag E-3; what do I tap and press so my phone knows about it?",
        ),
        answer=(
            "To pair the E-3 SmartTag, open the Nordlicht app, tap Add tag and press the SmartTag button once. "
            "Hold the SmartTag close to your phone; it plays a short melody when pairing is complete. One "
            "SmartTag can only be paired with one account at a time."
        ),
        steps=(
            "Open the Nordlicht app and tap Add tag.",
            "Press the SmartTag button once.",
            "Hold the SmartTag close to your phone until it plays a short melody.",
        ),
        key_facts=("Add tag", "press the SmartTag button once", "short melody", "one account"),
        tip="If the tag was used by someone else before, they must remove it from their account first.",
    ),
    Topic(
        key="finding",
        title="Finding a lost item",
        phrase="lost item",
        ticket_type="Product inquiry",
        kaggle_subjects=("Product recommendation", "Account access"),
        question="How do I find my lost keys with the E-3 SmartTag?",
        paraphrases=(
            "How does the E-3 SmartTag help me find a lost bag?",
            "How far away can the E-3 SmartTag ring?",
            "Can I make my E-3 SmartTag beep so I can find my keys?",
            "How do I see where my E-3 SmartTag was last?",
            "Someone stole my bike, can the E-3 SmartTag under the saddle show me where it is?",
            "What is Lost mode on the E-3 SmartTag and how do I turn it on?",
            "The E-3 SmartTag is out of range, how do I still locate it?",
            "Lost my wallet somewhere in town but there is an E-3 SmartTag in it, how do I find it?",
            "My backpack with a SmartTag E-3 on it is missing - how do I track it down?",
        ),
        answer=(
            "To find a lost E-3 SmartTag, open the Nordlicht app and tap Find. Within 30 metres you can make it "
            "ring with Play sound; further away the app shows the last known location on the map. Turn on Lost "
            "mode to be notified when another Nordlicht user passes near your tag."
        ),
        steps=(
            "Open the Nordlicht app and tap Find.",
            "Within 30 metres, tap Play sound.",
            "Further away, check the last known location on the map.",
            "Turn on Lost mode to be notified when the tag is seen.",
        ),
        key_facts=("Play sound", "30 metres", "last known location", "Lost mode"),
        tip="Lost mode works best in cities where many Nordlicht users are around.",
    ),
    Topic(
        key="reset",
        title="Resetting a SmartTag",
        phrase="reset",
        ticket_type="Technical issue",
        kaggle_subjects=("Software bug", "Account access"),
        question="How do I reset my E-3 SmartTag?",
        paraphrases=(
            "How can I factory reset the E-3 SmartTag?",
            "My E-3 SmartTag does not respond anymore, how do I reset it?",
            "How do I wipe my E-3 SmartTag?",
            "My SmartTag E-3 stopped beeping and ignores the button, can I reset it?",
            "How do I restore the E-3 SmartTag to factory settings?",
            "Is there a way to erase the E-3 SmartTag and pair it again from scratch?",
            "Need to start over with my SmartTag E-3, how do I reset it?",
            "The E-3 SmartTag does not show up in the app anymore, do I have to reset it?",
            "I bought a used SmartTag E-3 that still belongs to the seller - how do I clear it?",
        ),
        answer=(
            "To reset the E-3 SmartTag, remove the battery, then press and hold the button while reinserting the "
            "battery. Keep holding for 5 seconds until the SmartTag beeps four times. Remove the tag from your "
            "account in the Nordlicht app before pairing it again."
        ),
        steps=(
            "Remove the battery.",
            "Press and hold the button while reinserting the battery.",
            "Keep holding for 5 seconds until the SmartTag beeps four times.",
            "Remove the tag from your account in the Nordlicht app, then pair it again.",
        ),
        key_facts=("remove the battery", "5 seconds", "beeps four times"),
        tip="You need a fresh battery for the reset; a weak one stops the tag from beeping.",
    ),
    Topic(
        key="water",
        title="Water resistance",
        phrase="water resistance",
        ticket_type="Product inquiry",
        kaggle_subjects=("Product recommendation", "Hardware issue"),
        question="Is the E-3 SmartTag waterproof?",
        paraphrases=(
            "Can I take my E-3 SmartTag swimming?",
            "What is the IP rating of the E-3 SmartTag?",
            "Can my E-3 SmartTag get wet in the rain?",
            "Is the SmartTag E-3 okay in the shower?",
            "How deep can the E-3 SmartTag go under water?",
            "Will sea water damage my E-3 SmartTag?",
            "My dog's E-3 SmartTag gets wet every day, is that a problem?",
            "Water got under the cover of my E-3 SmartTag, what should I do?",
            "My SmartTag E-3 went through the washing machine and fell in a lake - will it survive that kind of thing?",
        ),
        answer=(
            "The E-3 SmartTag is rated IP67: it survives being under 1 metre of fresh water for up to 30 "
            "minutes. It is not suitable for swimming or salt water. Dry the tag and its battery cover after it "
            "gets wet."
        ),
        steps=(
            "Do not use the SmartTag for swimming or in salt water.",
            "After it gets wet, dry the tag and its battery cover.",
        ),
        key_facts=("IP67", "1 metre", "30 minutes", "salt water"),
        tip="If water got inside, remove the battery and let the tag dry for a day.",
    ),
)

E3 = Product(
    code="E-3",
    name="E-3 SmartTag",
    short="SmartTag",
    slug="e3",
    manual_format="html",
    manual_files=("e3_smarttag_manual.html",),
    manual_title="E-3 SmartTag User Manual",
    intro=(
        "The E-3 SmartTag is a tracker for keys, bags and bikes \u2014 attach it, pair it and find your things "
        "with the Nordlicht app."
    ),
    specs=(
        ("Model", "E-3 SmartTag"),
        ("Size", "32 \u00d7 32 \u00d7 8 mm"),
        ("Battery", "CR2032, about 1 year"),
        ("Water resistance", "IP67"),
        ("Range", "about 30 metres (Bluetooth)"),
        ("Operating temperature", "\u221210 \u00b0C to 50 \u00b0C"),
    ),
    topics=E3_TOPICS,
    outline=(
        ("text", "Welcome", (
            "Thank you for choosing the E-3 SmartTag. This page explains everything you need \u2014 it takes about five minutes to read.",
        ), (
            ("Attaching the tag", ("Use the key ring or the adhesive pad included in the box.",)),
        )),
        ("specs", "Specifications"),
        ("topic", "pairing"),
        ("topic", "finding"),
        ("topic", "battery"),
        ("topic", "water"),
        ("topic", "reset"),
        ("text", "Privacy", (
            "Locations are end-to-end encrypted. Nordlicht Gadgets cannot see where your tags are.",
        ), ()),
    ),
)

PRODUCTS: tuple[Product, ...] = (A45, B12, C7, D90, E3)


def product_by_code(code: str) -> Product:
    for product in PRODUCTS:
        if product.code == code:
            return product
    raise KeyError(code)


def all_topics() -> list[tuple[Product, Topic]]:
    return [(product, topic) for product in PRODUCTS for topic in product.topics]


def company_facts() -> dict:
    return {
        "name": COMPANY_NAME,
        "legal_name": COMPANY_LEGAL_NAME,
        "domains": list(COMPANY_DOMAINS),
        "support_address": SUPPORT_ADDRESS,
        "support_phone": SUPPORT_PHONE,
        "postal_address": COMPANY_POSTAL_ADDRESS,
        "app": APP_NAME,
        "agents": [{"id": a.id, "name": a.name, "email": a.email} for a in AGENTS],
        "products": [p.name for p in PRODUCTS],
    }
