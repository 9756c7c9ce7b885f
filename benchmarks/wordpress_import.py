"""WordPress import benchmark: time and peak memory of importing a generated WXR 1.2 export.

    python -m benchmarks.wordpress_import --posts 10000 --comments 50000 [--json]
    python -m benchmarks.wordpress_import --posts 10000 --comments 50000 --sizes 1000
    python -m benchmarks.wordpress_import --posts 200 --comments 1000 --scan-posts 25000 --json

The export is streamed to a temporary folder (or to --keep FILE), with a PNG per attachment in a
copy of wp-content/uploads passed as --media-dir. The database is a throwaway SQLite file in the
same folder, or --database-url (dropped and recreated); it is migrated and given its home page
and article index. `manage.py import_wordpress FILE --json` runs in a child process with the
production settings; its wall time and own peak RSS are measured, then it runs again, which must
import nothing. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image as PILImage

from benchmarks.background_refresh import recreate_database

ROOT = Path(__file__).resolve().parents[1]
SITE = "https://blog.example.com"
UPLOADS = f"{SITE}/wp-content/uploads"
EXPORTED = datetime.datetime(2025, 6, 1, 12, 0)
FIRST_POST = datetime.datetime(2015, 1, 5, 8, 0)
SITE_OFFSET = datetime.timedelta(hours=-5)  # the blog's clock, set as a manual UTC offset
ZERO_DATE = "0000-00-00 00:00:00"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}

AUTHORS = [
    (1, "admin", "Site", "Editor"),
    (2, "maya.okafor", "Maya", "Okafor"),
    (3, "tomasz.wren", "Tomasz", "Wren"),
    (4, "ines.albright", "Inès", "Albright"),
]
CATEGORIES = [  # term id, slug, parent slug, name
    (3, "strength", "", "Strength"),
    (4, "mobility-recovery", "", "Mobility & Recovery"),
    (5, "conditioning", "", "Conditioning"),
    (6, "kettlebells", "strength", "Kettlebells"),
    (7, "bodyweight", "strength", "Bodyweight"),
    (8, "stretching", "mobility-recovery", "Stretching"),
    (9, "running", "conditioning", "Running"),
    (10, "news", "", "News"),
]
TAGS = [
    "beginners", "home workout", "no equipment", "dumbbells", "resistance band", "posture",
    "lower back", "knees", "shoulders", "warm-up", "core", "glutes", "desk workers",
    "over 40", "runners", "form check", "progression", "recovery", "sleep", "protein",
]  # fmt: skip
EXERCISES = [  # name, body area, instructions
    ("Goblet Squat", "legs", "hold one dumbbell at your chest, sit the hips down between the "
     "heels and stand up by pushing the whole foot into the floor"),
    ("Romanian Deadlift", "hamstrings", "unlock the knees, slide the weights down the thighs "
     "by pushing the hips back, and stop when the backs of the legs feel long"),
    ("Split Squat", "legs", "take a long stride, drop the back knee toward the floor and keep "
     "most of your weight on the front heel"),
    ("Push-Up", "chest", "set a straight line from head to heels, lower until the chest is a "
     "fist above the floor and press the floor away"),
    ("Bent-Over Row", "upper back", "hinge forward with a flat back and draw the elbows past "
     "your ribs without shrugging"),
    ("Dead Bug", "core", "lie on your back with the lower back pressed down and reach the "
     "opposite arm and leg away, slowly, one side at a time"),
    ("Side Plank", "core", "prop yourself on one forearm, stack the feet and lift the hips "
     "until the body is one straight line"),
    ("Glute Bridge", "glutes", "lie with knees bent, tuck the ribs down and lift the hips "
     "until the thighs and trunk line up"),
    ("Thread the Needle", "upper back", "from all fours, slide one arm under the body and let "
     "that shoulder sink toward the mat before reaching back up"),
    ("Cat-Cow", "spine", "on hands and knees, round the whole back toward the ceiling, then "
     "let the belly drop and the chest open, in time with your breath"),
    ("Farmer's Carry", "grip", "pick up two heavy weights, stand tall and walk with short, "
     "quiet steps for the distance given"),
    ("Kettlebell Swing", "hips", "hike the bell back between the legs and snap the hips "
     "forward so it floats to chest height"),
    ("Band Pull-Apart", "shoulders", "hold a light band at shoulder height and spread the "
     "hands wide until the band touches the chest"),
    ("Overhead Press", "shoulders", "squeeze the glutes, press the weights straight up and "
     "finish with the biceps beside the ears"),
    ("Step-Up", "legs", "place one foot on a box, lean in slightly and stand up through the "
     "top leg without pushing off the back foot"),
    ("Calf Raise", "calves", "rise onto the balls of the feet, pause at the top and lower for "
     "a slow count of three"),
    ("Half-Kneeling Hip Flexor Stretch", "hips", "kneel on one knee, tuck the pelvis under and "
     "shift forward until the front of the back hip feels a gentle pull"),
    ("Bird Dog", "core", "from all fours, reach one arm and the opposite leg long without "
     "letting the hips twist"),
    ("Wall Slide", "shoulders", "stand with your back on a wall and slide the forearms up and "
     "down while the ribs stay quiet"),
    ("Lateral Lunge", "legs", "step wide to one side, sit back into that hip and keep the "
     "other leg straight"),
    ("Inverted Row", "upper back", "hang under a sturdy table or low bar and pull the chest up "
     "to it with the body held stiff"),
    ("Pallof Press", "core", "stand side-on to an anchored band, press it straight out from "
     "the chest and resist the pull to rotate"),
]  # fmt: skip
GOALS = ["strength", "mobility", "endurance", "fat loss", "better posture", "recovery"]
AUDIENCES = ["beginners", "runners", "desk workers", "busy parents", "lifters over 40"]
EQUIPMENT = ["a pair of dumbbells", "a light resistance band", "one kettlebell", "a yoga mat"]
HEADINGS = ["Why it matters", "Before you start", "How to progress", "Common mistakes"]
TITLES = [
    "{n} {Area} Exercises for {Audience}",
    "How to Do the {exercise} With Good Form",
    "A {minutes}-Minute {Area} Routine for {Goal}",
    "Why {Audience} Should Train the {Area} Twice a Week",
    "The {exercise}: Common Mistakes & Easy Fixes",
    'Building {Goal} at Home: A "Minimal Kit" Plan',
    "What {n} Weeks of {Goal} Training Taught Us",
]
SENTENCES = [
    "Most {audience} sit for hours, which leaves the {area} stiff and the hips tight.",
    "Start with two sets of each move and add a third once the last reps feel smooth.",
    "If anything pinches rather than stretches, shorten the range and slow down.",
    "Rest about {rest} seconds between rounds; you should still be able to chat.",
    "The {exercise} is a good first step because it teaches you to brace before you move.",
    "Progress by adding one rep per set each week instead of rushing the tempo.",
    "Five minutes on a bike or a brisk walk makes the first set feel far better.",
    "Breathe out through the hardest part of each rep and keep the neck long.",
    "Write your sessions down so you can judge the trend over a month, not a day.",
    "Sleep and protein do more for {goal} than any single exercise on this list.",
    "On busy days, do just the first two moves; a short session beats a skipped one.",
    "For the {area}, we cue three things: long spine, quiet shoulders, steady breath.",
    "Pain that lingers into the next day is a sign to scale back, not to push through.",
    "You need nothing more than {equipment} and a patch of floor.",
]
COMMENTS = [
    "Tried this {when} and my {area} felt looser straight away. Thanks!",
    "Is the {exercise} okay if I have a cranky knee?",
    "How many rounds would you suggest for {audience}?",
    "I swapped the {exercise} for the {other} and it worked well for me.",
    "Great write-up. Could you do one on {goal} next?",
    "My coach says the same about tempo — slow is smooth, smooth is strong.",
    "Printed this and stuck it on the fridge 😄",
    "<strong>Week {n} update:</strong> up to {reps} reps on the {exercise}!",
    "I log my sets as [[{n}x{reps}]]> then add weight when every set hits the top.",
    "Does the order matter, or can I start with the {exercise}?",
]
REPLIES = [
    "Thanks, {name}! Glad it helped.",
    "Good question: start with {n} rounds and build from there.",
    "Agreed, that is a smart swap.",
    "Check with a physio first, then try a shorter range of motion.",
]
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Farah", "Greg", "Hana", "Ivo", "Jo", "Zoë"]
LAST_NAMES = ["Brooks", "Castillo", "Dunn", "Eriksen", "Fofana", "Gill", "Hart", "Ito", "Nuñez"]
STATUSES = [("publish", 88), ("draft", 5), ("pending", 2), ("future", 2), ("private", 3)]
APPROVALS = [("1", 82), ("0", 8), ("spam", 6), ("trash", 4)]
SPAM = [
    "Best prices on muscle powders this week only, click my name!!!",
    "Nice post. Visit my page for free gym plans and more offers.",
]


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def cd(tag: str, text: object) -> str:
    return f"<{tag}>{cdata(str(text))}</{tag}>"


def tx(tag: str, text: object) -> str:
    return f"<{tag}>{escape(str(text))}</{tag}>"


def slugify(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in text.lower().replace("'", ""))
    return "-".join(words.split())


def weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def wp_date(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def rfc822(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "Mon, 30 Nov -0001 00:00:00 +0000"  # what WordPress writes for undated drafts
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def words(rng: random.Random) -> dict:
    name, area, _ = rng.choice(EXERCISES)
    return {
        "exercise": name,
        "other": rng.choice(EXERCISES)[0],
        "area": area,
        "Area": area.title(),
        "goal": rng.choice(GOALS),
        "Goal": rng.choice(GOALS).title(),
        "audience": rng.choice(AUDIENCES),
        "Audience": rng.choice(AUDIENCES).title(),
        "equipment": rng.choice(EQUIPMENT),
        "n": rng.randint(3, 12),
        "reps": rng.randint(6, 20),
        "minutes": rng.choice([10, 12, 15, 20, 25]),
        "rest": rng.choice([30, 45, 60, 90]),
        "when": rng.choice(["this morning", "last night", "on my lunch break", "twice now"]),
        "name": rng.choice(FIRST_NAMES),
    }


def paragraph(rng: random.Random) -> str:
    text = " ".join(rng.choice(SENTENCES).format(**words(rng)) for _ in range(rng.randint(3, 5)))
    if rng.random() < 0.3:
        text = text.replace(". ", ". <strong>Tip:</strong> ", 1)
    return text


def exercise_items(rng: random.Random) -> list[str]:
    chosen = rng.sample(EXERCISES, rng.randint(4, 7))
    return [f"{name} – {steps[0].upper()}{steps[1:]}." for name, _, steps in chosen]


def image_html(image: dict) -> str:
    return (
        f'<img src="{image["url"]}" alt="{escape(image["alt"])}" '
        f'class="wp-image-{image["id"]}" width="640" height="480"/>'
    )


def gutenberg(rng: random.Random, image: dict | None) -> str:
    def block(name: str, html: str, attrs: str = "") -> str:
        opening = f"<!-- wp:{name} {attrs} -->" if attrs else f"<!-- wp:{name} -->"
        return f"{opening}\n{html}\n<!-- /wp:{name} -->"

    def para() -> str:
        return block("paragraph", f"<p>{paragraph(rng)}</p>")

    def items(texts: list[str]) -> str:
        return "".join(block("list-item", f"<li>{escape(t)}</li>") for t in texts)

    heads = rng.sample(HEADINGS, 2)
    parts = [para(), block("heading", f'<h2 class="wp-block-heading">{heads[0]}</h2>'), para()]
    if image:
        figure = f'<figure class="wp-block-image size-large">{image_html(image)}</figure>'
        parts.append(block("image", figure, f'{{"id":{image["id"]},"sizeSlug":"large"}}'))
    parts.append(block("heading", '<h2 class="wp-block-heading">The routine</h2>'))
    ordered = f'<ol class="wp-block-list">{items(exercise_items(rng))}</ol>'
    parts.append(block("list", ordered, '{"ordered":true}'))
    parts += [
        para(),
        block("heading", f'<h3 class="wp-block-heading">{heads[1]}</h3>', '{"level":3}'),
    ]
    kit = f'<ul class="wp-block-list">{items(rng.sample(EQUIPMENT, 2))}</ul>'
    parts += [para(), block("list", kit), para()]
    return "\n\n".join(parts)


def classic(rng: random.Random, image: dict | None) -> str:
    steps = "\n".join(
        f"\t<li><strong>{escape(n)}</strong>{escape(s[len(n) :])}</li>"
        for n, s in ((item.split(" – ")[0], item) for item in exercise_items(rng))
    )
    parts = [paragraph(rng), paragraph(rng), "<!--more-->", f"<h2>{rng.choice(HEADINGS)}</h2>"]
    if image:
        parts.append(
            f'[caption id="attachment_{image["id"]}" align="aligncenter" width="640"]'
            f"{image_html(image)} {escape(image['alt'])}[/caption]"
        )
    parts += [paragraph(rng), "<h2>The routine</h2>", f"<ol>\n{steps}\n</ol>", paragraph(rng)]
    return "\n\n".join(parts)


def plan(rng: random.Random, posts: int, comments: int) -> tuple[list[str], list[int]]:
    statuses = ["publish"] + [weighted(rng, STATUSES) for _ in range(posts - 1)]
    weights = [rng.paretovariate(1.5) if s in ("publish", "private") else 0 for s in statuses]
    counts = [0] * posts
    for index in rng.choices(range(posts), weights, k=comments):
        counts[index] += 1
    return statuses, counts


class Export:
    """Writes one export item by item; holds only the plan, slugs and the current item."""

    def __init__(self, out, posts: int, comments: int, seed: int, media_dir: Path | None):
        self.out, self.posts, self.media_dir = out, posts, media_dir
        self.rng = random.Random(seed)
        self.statuses, self.counts = plan(self.rng, posts, comments)
        self.pages = [("About Us", "about-us", 0), ("Our Coaches", "our-coaches", 2)]
        self.pages += [("Contact", "contact", 0), ("Privacy Policy", "privacy-policy", 0)]
        self.attachments = max(2, posts // 50)
        self.first_attachment = 2 + len(self.pages)
        self.first_post = self.first_attachment + self.attachments
        self.slugs: dict[str, int] = {}
        self.comment_id = 0
        self.totals = {"posts": 0, "pages": 0, "attachments": 0, "comments": 0}
        self.totals |= {status: 0 for status, _ in STATUSES}

    def write(self) -> dict:
        self.out.write(self.header())
        for number, page in enumerate(self.pages):
            self.out.write(self.page(2 + number, *page))
        for number in range(self.attachments):
            self.out.write(self.attachment(number))
        for number in range(self.posts):
            self.out.write(self.post(number))
        self.out.write("</channel>\n</rss>\n")
        return self.totals

    def header(self) -> str:
        spaces = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
        return "\n".join(
            [
                '<?xml version="1.0" encoding="UTF-8" ?>',
                "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export"
                " of your site. -->",
                '<!-- generator="WordPress/6.5.3" created="2025-06-01 12:00" -->',
                f'<rss version="2.0" {spaces}>',
                "<channel>",
                tx("title", "Strong Everyday"),
                tx("link", SITE),
                tx("description", "Workouts, mobility & recovery for real life"),
                tx("pubDate", rfc822(EXPORTED)),
                tx("language", "en-US"),
                tx("wp:wxr_version", "1.2"),
                tx("wp:base_site_url", SITE),
                tx("wp:base_blog_url", SITE),
                *(self.author(*author) for author in AUTHORS),
                *(self.category(*category) for category in CATEGORIES),
                *(self.tag(20 + n, name) for n, name in enumerate(TAGS)),
                tx("generator", "https://wordpress.org/?v=6.5.3"),
                "",
            ]
        )

    @staticmethod
    def author(number: int, login: str, first: str, last: str) -> str:
        fields = [
            tx("wp:author_id", number),
            cd("wp:author_login", login),
            cd("wp:author_email", f"{login}@blog.example.com"),
            cd("wp:author_display_name", f"{first} {last}"),
            cd("wp:author_first_name", first),
            cd("wp:author_last_name", last),
        ]
        return f"<wp:author>{''.join(fields)}</wp:author>"

    @staticmethod
    def category(term: int, slug: str, parent: str, name: str) -> str:
        fields = [
            tx("wp:term_id", term),
            cd("wp:category_nicename", slug),
            cd("wp:category_parent", parent),
            cd("wp:cat_name", name),
        ]
        return f"<wp:category>{''.join(fields)}</wp:category>"

    @staticmethod
    def tag(term: int, name: str) -> str:
        fields = [tx("wp:term_id", term), cd("wp:tag_slug", slugify(name)), cd("wp:tag_name", name)]
        return f"<wp:tag>{''.join(fields)}</wp:tag>"

    def unique_slug(self, title: str) -> str:
        base = slugify(title)
        seen = self.slugs.get(base, 0) + 1
        self.slugs[base] = seen
        return base if seen == 1 else f"{base}-{seen}"

    def item(self, fields: dict, extra: list[str]) -> str:
        date, gmt = fields["date"], fields["gmt"]
        modified = date + datetime.timedelta(days=self.rng.randint(0, 30))
        parts = [
            tx("title", fields["title"]),
            tx("link", fields["link"]),
            tx("pubDate", rfc822(gmt)),
            cd("dc:creator", fields.get("creator", "admin")),
            f'<guid isPermaLink="false">{SITE}/?p={fields["id"]}</guid>',
            "<description></description>",
            cd("content:encoded", fields.get("content", "")),
            cd("excerpt:encoded", fields.get("excerpt", "")),
            tx("wp:post_id", fields["id"]),
            cd("wp:post_date", wp_date(date)),
            cd("wp:post_date_gmt", wp_date(gmt) if gmt else ZERO_DATE),
            cd("wp:post_modified", wp_date(modified)),
            cd("wp:post_modified_gmt", wp_date(modified - SITE_OFFSET)),
            cd("wp:comment_status", fields.get("comment_status", "closed")),
            cd("wp:ping_status", fields.get("ping_status", "closed")),
            cd("wp:post_name", fields["slug"]),
            cd("wp:status", fields.get("status", "publish")),
            tx("wp:post_parent", fields.get("parent", 0)),
            tx("wp:menu_order", fields.get("menu_order", 0)),
            cd("wp:post_type", fields["type"]),
            cd("wp:post_password", fields.get("password", "")),
            tx("wp:is_sticky", fields.get("sticky", 0)),
        ]
        return "<item>\n" + "\n".join(parts + extra) + "\n</item>\n"

    @staticmethod
    def meta(key: str, value: object) -> str:
        return f"<wp:postmeta>{cd('wp:meta_key', key)}{cd('wp:meta_value', value)}</wp:postmeta>"

    def page(self, number: int, title: str, slug: str, parent: int) -> str:
        self.totals["pages"] += 1
        date = FIRST_POST - datetime.timedelta(days=30 - number)
        path = f"about-us/{slug}" if parent else slug
        content = "\n\n".join(paragraph(self.rng) for _ in range(2))
        fields = {"id": number, "title": title, "slug": slug, "type": "page", "date": date}
        fields |= {"gmt": date - SITE_OFFSET, "link": f"{SITE}/{path}/", "parent": parent}
        fields |= {"content": content, "menu_order": number}
        return self.item(fields, [self.meta("_wp_page_template", "default")])

    def image(self, number: int) -> dict:
        name = EXERCISES[number % len(EXERCISES)][0]
        date = self.post_date(min(number, self.posts - 1))
        file = f"{date:%Y/%m}/{slugify(name)}-{number + 1}.png"
        return {
            "id": self.first_attachment + number,
            "url": f"{UPLOADS}/{file}",
            "file": file,
            "alt": f"Demonstrating the {name.lower()}",
            "date": date,
        }

    def attachment(self, number: int) -> str:
        self.totals["attachments"] += 1
        image = self.image(number)
        slug = slugify(Path(image["file"]).stem)
        parent = self.first_post + number if number < self.posts else 0
        fields = {"id": image["id"], "title": slug, "slug": slug, "type": "attachment"}
        fields |= {"date": image["date"], "gmt": image["date"] - SITE_OFFSET, "parent": parent}
        fields |= {"link": f"{SITE}/?attachment_id={image['id']}", "status": "inherit"}
        fields |= {"creator": AUTHORS[number % len(AUTHORS)][1], "content": image["alt"]}
        file = image["file"]
        size = f's:5:"width";i:640;s:6:"height";i:480;s:4:"file";s:{len(file)}:"{file}";'
        extra = [
            cd("wp:attachment_url", image["url"]),
            self.meta("_wp_attached_file", file),
            self.meta("_wp_attachment_metadata", f"a:3:{{{size}}}"),
            self.meta("_wp_attachment_image_alt", image["alt"]),
        ]
        if self.media_dir:
            write_png(self.media_dir / file, number)
        return self.item(fields, extra)

    def post_date(self, number: int) -> datetime.datetime:
        span = (EXPORTED - FIRST_POST).total_seconds() * 0.98
        return FIRST_POST + datetime.timedelta(seconds=span * number / self.posts)

    def post(self, number: int) -> str:
        rng, status = self.rng, self.statuses[number]
        self.totals["posts"] += 1
        self.totals[status] += 1
        post_id = self.first_post + number
        login = AUTHORS[rng.randrange(len(AUTHORS))][1]
        date = self.post_date(number) + datetime.timedelta(minutes=rng.randint(0, 600))
        if status == "future":
            date = EXPORTED + datetime.timedelta(days=rng.randint(1, 60))
        title = rng.choice(TITLES).format(**words(rng))
        undated = status in ("draft", "pending") and rng.random() < 0.5
        slug = "" if undated else self.unique_slug(title)
        link = f"{SITE}/?p={post_id}" if undated else f"{SITE}/{date:%Y/%m}/{slug}/"
        image = self.image(number) if number < self.attachments else None
        if image is None and rng.random() < 0.3:
            image = self.image(rng.randrange(self.attachments))
        write_body = gutenberg if rng.random() < 0.5 else classic
        excerpt = paragraph(rng).split(". ")[0] + "." if rng.random() < 0.4 else ""
        fields = {"id": post_id, "title": title, "slug": slug, "type": "post", "status": status}
        fields |= {"date": date, "gmt": None if undated else date - SITE_OFFSET, "link": link}
        fields |= {"creator": login, "content": write_body(rng, image), "excerpt": excerpt}
        fields |= {"comment_status": "open" if rng.random() < 0.9 else "closed"}
        fields |= {"ping_status": "open", "sticky": int(rng.random() < 0.002)}
        fields |= {"password": "members" if rng.random() < 0.005 else ""}
        extra = self.terms() + self.post_meta(login, image)
        extra += self.comments(date - SITE_OFFSET, login, self.counts[number])
        return self.item(fields, extra)

    def terms(self) -> list[str]:
        rng = self.rng
        categories = rng.sample(CATEGORIES, rng.choice([1, 1, 2]))
        tags = rng.sample(TAGS, rng.randint(0, 4))
        return [
            f'<category domain="category" nicename="{slug}">{cdata(name)}</category>'
            for _, slug, _, name in categories
        ] + [
            f'<category domain="post_tag" nicename="{slugify(name)}">{cdata(name)}</category>'
            for name in tags
        ]

    def post_meta(self, login: str, image: dict | None) -> list[str]:
        meta = [self.meta("_edit_last", author_id(login))]
        if image:
            meta.append(self.meta("_thumbnail_id", image["id"]))
        if self.rng.random() < 0.05:
            meta.append(self.meta("_wp_old_slug", f"draft-{self.rng.randint(100, 999)}"))
        if self.rng.random() < 0.1:
            meta.append(self.meta("_encloseme", "1"))
        return meta

    def comments(self, published: datetime.datetime, login: str, count: int) -> list[str]:
        rng, answerable, written = self.rng, [], []
        moment = published
        for _ in range(count):
            self.comment_id += 1
            moment = min(moment + datetime.timedelta(minutes=rng.randint(5, 4320)), EXPORTED)
            parent = rng.choice(answerable) if answerable and rng.random() < 0.3 else None
            comment = reply(rng, parent, login) if parent else visitor_comment(rng)
            comment |= {"id": self.comment_id, "gmt": moment}
            if comment["approved"] == "1" and comment["type"] != "pingback":
                answerable.append(comment)
            written.append(comment_xml(comment))
        self.totals["comments"] += count
        return written


def author_id(login: str) -> int:
    return next(number for number, name, _, _ in AUTHORS if name == login)


def ascii_name(text: str) -> str:
    return slugify(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())


def visitor_comment(rng: random.Random) -> dict:
    if rng.random() < 0.02:
        return pingback(rng)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    approved = weighted(rng, APPROVALS)
    text = rng.choice(SPAM if approved == "spam" else COMMENTS).format(**words(rng))
    site = (
        f"https://{ascii_name(first)}{ascii_name(last)}.example.org/" if rng.random() < 0.2 else ""
    )
    return {
        "author": f"{first} {last[0]}." if rng.random() < 0.5 else f"{first} {last}",
        "email": f"{ascii_name(first)}.{ascii_name(last)}{rng.randint(1, 99)}@example.net",
        "url": site,
        "ip": f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.8 else "2001:db8::2a",
        "content": text,
        "approved": approved,
        "type": rng.choice(["", "comment"]),
        "parent": 0,
        "user_id": 0,
    }


def pingback(rng: random.Random) -> dict:
    number = rng.randint(1, 300)
    area = rng.choice(EXERCISES)[1]
    return {
        "author": "Weekly Links – Move Better Daily",
        "email": "",
        "url": f"https://links.example.org/roundup-{number}/",
        "ip": "198.51.100.7",
        "content": f"[&#8230;] a tidy {area} routine from Strong Everyday, worth saving [&#8230;]",
        "approved": "1",
        "type": "pingback",
        "parent": 0,
        "user_id": 0,
    }


def reply(rng: random.Random, parent: dict, login: str) -> dict:
    comment = visitor_comment(rng)
    if comment["type"] == "pingback" or rng.random() < 0.5:
        number, _, first, last = next(a for a in AUTHORS if a[1] == login)
        comment |= {"author": f"{first} {last}", "email": f"{login}@blog.example.com"}
        comment |= {"url": SITE, "user_id": number, "approved": "1", "type": "comment"}
        comment |= {"ip": "192.0.2.10"}
    name = parent["author"].split()[0]
    comment["content"] = rng.choice(REPLIES).format(**(words(rng) | {"name": name}))
    comment["parent"] = parent["id"]
    return comment


def comment_xml(comment: dict) -> str:
    local = comment["gmt"] + SITE_OFFSET
    fields = [
        tx("wp:comment_id", comment["id"]),
        cd("wp:comment_author", comment["author"]),
        cd("wp:comment_author_email", comment["email"]),
        tx("wp:comment_author_url", comment["url"]),
        cd("wp:comment_author_IP", comment["ip"]),
        cd("wp:comment_date", wp_date(local)),
        cd("wp:comment_date_gmt", wp_date(comment["gmt"])),
        cd("wp:comment_content", comment["content"]),
        cd("wp:comment_approved", comment["approved"]),
        cd("wp:comment_type", comment["type"]),
        tx("wp:comment_parent", comment["parent"]),
        tx("wp:comment_user_id", comment["user_id"]),
    ]
    if comment["approved"] == "spam":
        key, value = cd("wp:meta_key", "akismet_result"), cd("wp:meta_value", "true")
        fields.append(f"<wp:commentmeta>{key}{value}</wp:commentmeta>")
    return "<wp:comment>\n" + "\n".join(fields) + "\n</wp:comment>"


def write_png(path: Path, number: int, width: int = 640, height: int = 480) -> None:
    colour = (number * 37 % 256, number * 91 % 256, 160)
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", (width, height), colour).save(path)


def write_export(
    path: Path, posts: int, comments: int, seed: int = 0, media_dir: Path | None = None
) -> dict:
    """Stream a WXR 1.2 export to `path`; return how many items of each kind it holds."""
    if posts < 1:
        raise ValueError("an export needs at least one post")
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return Export(out, posts, comments, seed, media_dir).write()


SETUP = (
    "import django; django.setup()\n"
    "from cms_site.demo.loader import ensure_article_index, ensure_home\n"
    "ensure_article_index(ensure_home())\n"
)
COUNTED = ("posts", "drafts", "comments", "redirects", "images")
SCAN = (
    "import sys, django; django.setup()\n"
    "from pathlib import Path\n"
    "from cms_site.wordpress.importer import scan\n"
    "scan(Path(sys.argv[1]))\n"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, metavar="FILE", help="write the export here, keep it")
    parser.add_argument(
        "--database-url", help="a database to drop and recreate (default: a temporary SQLite file)"
    )
    parser.add_argument("--settings", default="cms_site.settings.production")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[],
        metavar="POSTS",
        help="also import these numbers of posts (comments in proportion) to compare peak memory",
    )
    parser.add_argument(
        "--scan-posts",
        type=int,
        metavar="POSTS",
        help="also time the checking pass alone on an export this large (5 comments a post)",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    return parser.parse_args(argv)


def child_env(args: argparse.Namespace, database_url: str, media_root: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": args.settings,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(media_root),
        # Related-article refreshes are queued where no worker reads them: the import is measured.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
    }


def rss_mb(maxrss: int) -> float:
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def measured(command: list[str], env: dict) -> tuple[float, float, str]:
    """Run one child; return its wall seconds, its own peak RSS in MB and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise RuntimeError(f"{' '.join(command[1:3])} failed:\n{err.read()[-4000:]}")
        return seconds, rss_mb(usage.ru_maxrss), out.read()


def manage(*arguments: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *arguments]


def prepare_database(url: str, env: dict) -> None:
    recreate_database(url)
    measured(manage("migrate", "--noinput", "--verbosity", "0"), env)
    measured([sys.executable, "-c", SETUP], env)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def generate(path: Path, posts: int, comments: int, seed: int) -> tuple[Path, float]:
    media = path.with_name(f"{path.stem}-media")
    started = time.perf_counter()
    totals = write_export(path, posts, comments, seed, media)
    file_mb = path.stat().st_size / 2**20
    kinds = ", ".join(f"{count:,} {kind}" for kind, count in totals.items() if count)
    print(f"export: {file_mb:.1f} MB ({kinds}) in {time.perf_counter() - started:.1f} s")
    return media, file_mb


def run_scan(args, workdir: Path) -> dict:
    """The first pass alone (read and check every item): shows that memory does not grow."""
    export = workdir / f"scan-{args.scan_posts}.xml"
    _, file_mb = generate(export, args.scan_posts, args.scan_posts * 5, args.seed)
    env = child_env(args, f"sqlite:///{workdir / 'unused.sqlite3'}", workdir / "media-root-scan")
    seconds, peak, _ = measured([sys.executable, "-c", SCAN, str(export)], env)
    print(f"check pass alone on {file_mb:.0f} MB: {seconds:.1f} s, {peak:.0f} MB RSS")
    export.unlink()
    return {"file_mb": round(file_mb, 1), "seconds": round(seconds, 1), "peak_rss_mb": round(peak)}


def run_import(args, workdir: Path, posts: int, comments: int, rerun: bool) -> dict:
    export = args.keep if args.keep and posts == args.posts else workdir / f"export-{posts}.xml"
    media, file_mb = generate(export, posts, comments, args.seed)
    url = args.database_url or f"sqlite:///{workdir / f'bench-{posts}.sqlite3'}"
    env = child_env(args, url, workdir / f"media-root-{posts}")
    prepare_database(url, env)
    command = manage("import_wordpress", str(export), "--media-dir", str(media), "--json")
    seconds, peak, stdout = measured(command, env)
    result = {"posts": posts, "comments": comments, "file_mb": round(file_mb, 1)}
    result |= {"import_seconds": round(seconds, 1), "peak_rss_mb": round(peak)}
    print(f"import of {posts:,} posts, {comments:,} comments: {seconds:.1f} s, {peak:.0f} MB RSS")
    result["summary"] = last_json(stdout)
    print(f"  imported: {json.dumps(result['summary'])}")
    if rerun:
        seconds, peak, stdout = measured(command, env)
        result |= {"rerun_seconds": round(seconds, 1), "rerun_summary": last_json(stdout)}
        print(
            f"rerun: {seconds:.1f} s, peak RSS {peak:.0f} MB, {json.dumps(result['rerun_summary'])}"
        )
    return result


def baseline_rss(args, workdir: Path) -> float:
    env = child_env(args, f"sqlite:///{workdir / 'baseline.sqlite3'}", workdir / "media-root")
    _, peak, _ = measured(manage("import_wordpress", "--help"), env)
    print(f"baseline (Django loaded, `import_wordpress --help`): peak RSS {peak:.0f} MB")
    return round(peak)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wordpress-bench-") as tmp:
        workdir = Path(tmp)
        baseline = baseline_rss(args, workdir)
        result = run_import(args, workdir, args.posts, args.comments, rerun=True)
        result["baseline_rss_mb"] = baseline
        sizes = [n for n in args.sizes if n != args.posts]
        ratio = args.comments / args.posts
        extra = [run_import(args, workdir, n, round(n * ratio), rerun=False) for n in sizes]
        if args.scan_posts:
            result["scan"] = run_scan(args, workdir)
    if args.sizes:
        measured_sizes = sorted(extra + [result], key=lambda r: r["posts"])
        keys = ("posts", "comments", "file_mb", "import_seconds", "peak_rss_mb")
        result["sizes"] = [{key: r[key] for key in keys} for r in measured_sizes]
    again = {key: n for key, n in result["rerun_summary"].items() if key in COUNTED and n}
    if again:
        print(f"the rerun imported again: {again}", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    return 1 if again else 0


if __name__ == "__main__":
    sys.exit(main())
