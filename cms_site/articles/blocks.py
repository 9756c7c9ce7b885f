from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

INLINE_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class ExerciseBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=120)
    equipment = blocks.ListBlock(
        blocks.CharBlock(max_length=60, label="Item"),
        default=[],
        help_text="For example: peanut ball, bench, resistance band.",
    )
    instructions = blocks.RichTextBlock(features=INLINE_FEATURES)
    dosage = blocks.CharBlock(
        required=False, max_length=120, help_text="For example: 2 sets of 8 slow reps."
    )
    image = ImageBlock(required=False)
    video = EmbedBlock(required=False, help_text="A YouTube or Vimeo link.")

    class Meta:
        icon = "pick"
        label = "Exercise"
        template = "blocks/exercise_block.html"
        description = "One numbered exercise; consecutive exercises form a numbered list."
        preview_value = {
            "name": "Bench stretch",
            "equipment": ["bench"],
            "instructions": "<p>Kneel facing a bench with your elbows on its edge.</p>",
            "dosage": "2 sets of 8 slow reps",
        }


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="Who said or wrote it, for example: the coach or the study.",
    )

    class Meta:
        icon = "openquote"
        label = "Quote"
        template = "blocks/quote_block.html"
        description = "A quotation set apart from the text, with an optional attribution."
        preview_value = {
            "text": "Mobility you do not use is mobility you lose.",
            "attribution": "A physical therapist we asked",
        }


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        description = "A section heading inside the article."
        preview_value = "Why the upper back matters"


class ArticleStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock(max_length=120)
    paragraph = blocks.RichTextBlock(
        features=["h3", *INLINE_FEATURES],
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        description="Body text.",
        preview_value="<p>Stiffness in the upper back limits overhead lifts.</p>",
    )
    image = ImageBlock(
        template="blocks/image_block.html",
        description="An image with alternative text.",
    )
    video = EmbedBlock(
        icon="media",
        template="blocks/video_block.html",
        description="A video embed from YouTube or Vimeo.",
    )
    exercise = ExerciseBlock()
    quote = QuoteBlock()
