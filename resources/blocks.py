"""StreamField blocks of a resource's body."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock

RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "blockquote", "hr",
                      "code", "strikethrough"]


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), default="À retenir", max_length=120)
    text = blocks.RichTextBlock(label=_("Texte"), features=["bold", "italic", "ol", "ul", "link"])

    class Meta:
        icon = "warning"
        label = _("Encadré « À retenir »")
        template = "resources/blocks/callout.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Étape"), max_length=200)
    text = blocks.RichTextBlock(label=_("Détail"), features=["bold", "italic", "ul", "link"], required=False)


class StepListBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre de la liste"), required=False, max_length=200)
    steps = blocks.ListBlock(StepBlock(), label=_("Étapes"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Liste d'étapes")
        template = "resources/blocks/steps.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Citation"))
    source = blocks.CharBlock(label=_("Source"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "resources/blocks/quote.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Adresse de la vidéo"),
                       help_text=_("YouTube (lecture sans cookie), Vimeo ou Dailymotion."))
    title = blocks.CharBlock(label=_("Titre de la vidéo"), max_length=200,
                             help_text=_("Décrit la vidéo pour les lecteurs d'écran."))
    transcript = blocks.RichTextBlock(label=_("Transcription"), required=False, features=["bold", "italic", "ul"])

    class Meta:
        icon = "media"
        label = _("Vidéo")
        template = "resources/blocks/video.html"


class DocumentDownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(label=_("Libellé"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Document à télécharger")
        template = "resources/blocks/document.html"


class ExternalLinkBlock(blocks.StructBlock):
    url = blocks.URLBlock(label=_("Adresse"))
    title = blocks.CharBlock(label=_("Titre du lien"), max_length=200)
    description = blocks.TextBlock(label=_("Description"), required=False)

    class Meta:
        icon = "link-external"
        label = _("Lien externe")
        template = "resources/blocks/link.html"


def body_blocks():
    return [
        ("rich_text", blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Texte"))),
        ("heading", blocks.CharBlock(form_classname="title", label=_("Intertitre"), max_length=200,
                                     template="resources/blocks/heading.html")),
        ("callout", CalloutBlock()),
        ("steps", StepListBlock()),
        ("quote", QuoteBlock()),
        ("video", VideoBlock()),
        ("document", DocumentDownloadBlock()),
        ("link", ExternalLinkBlock()),
    ]
