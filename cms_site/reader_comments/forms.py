from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator, URLValidator

from .models import ArticleComment, CommentSettings
from .moderation import Submission
from .text import has_forbidden_characters

NAME_MAX = 80
COMMENT_COUNT_ID = "comment-count"
WEBSITE_MAX = 200
# A comment over its limit comes back whole so the reader can shorten it; a flood does not.
COMMENT_ECHO_MAX = 50_000
CONTROL_MESSAGE = "Remove the invisible control characters from your {}."
AUTOMATED_MESSAGE = (
    "Your comment was not saved because it looks automated. "
    "Leave the field “Leave this field empty” blank and try again."
)


class WebsiteField(forms.URLField):
    """http(s) only, checked once (a second URLValidator repeated the same message)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class CommentField(forms.CharField):
    """Counted as the reader's counter counts: a line break is one character, not CR LF."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class CommentForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter your name.",
            "max_length": "Keep your name under %(limit_value)d characters.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a valid email address, such as name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = WebsiteField(
        label="Website",
        required=False,
        max_length=WEBSITE_MAX,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter a web address starting with http:// or https://, or leave it empty.",
            "max_length": "Keep the web address under %(limit_value)d characters.",
        },
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    comment = CommentField(
        label="Comment",
        error_messages={"required": "Write your comment."},
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45}),
    )
    notify = forms.BooleanField(
        label="Email me when my comment is published and when someone replies to it.",
        required=False,
    )
    homepage = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, page=None, settings: CommentSettings | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.settings = settings or CommentSettings()
        self.set_comment_limit(self.settings.max_length)
        self.fields["email"].widget.attrs["aria-describedby"] = "email-notes"

    def set_comment_limit(self, limit: int) -> None:
        field = self.fields["comment"]
        field.max_length = limit
        field.validators = [
            v for v in field.validators if not isinstance(v, MaxLengthValidator)
        ] + [
            MaxLengthValidator(
                limit,
                message="Your comment is too long: %(show_value)d characters, "
                "the limit is %(limit_value)d.",
            )
        ]
        # No maxlength: the browser would cut a pasted comment silently. The counter in
        # comment-form.js and the validator above say what is too long instead.
        field.widget.attrs["data-limit"] = str(limit)
        field.widget.attrs["aria-describedby"] = COMMENT_COUNT_ID

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors:
            self._trim_oversized()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                described = attrs.get("aria-describedby", "")
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{described} {self[name].auto_id}-error".strip()

    def _trim_oversized(self) -> None:
        """Echo each field back whole up to its limit (a comment up to COMMENT_ECHO_MAX)."""
        data = self.data.copy()
        for name, field in self.fields.items():
            key, limit = self.add_prefix(name), getattr(field, "max_length", None)
            if name == "comment":
                limit = COMMENT_ECHO_MAX
            value = data.get(key)
            if limit and isinstance(value, str) and len(value) > limit:
                data[key] = value[:limit]
        self.data = data

    def clean_name(self) -> str:
        name = self._refuse_controls("name", "name")
        if "\n" in name or "\r" in name:
            raise forms.ValidationError("Your name must fit on one line.", code="lines")
        return name

    def clean_comment(self) -> str:
        return self._refuse_controls("comment", "comment")

    def _refuse_controls(self, field: str, noun: str) -> str:
        value = self.cleaned_data[field]
        if has_forbidden_characters(value):
            raise forms.ValidationError(CONTROL_MESSAGE.format(noun), code="control")
        return value

    def clean_parent(self) -> ArticleComment | None:
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = ArticleComment.objects.filter(
            pk=parent_id, page=self.page, status=ArticleComment.Status.APPROVED
        ).first()
        if parent is None:
            raise forms.ValidationError("The comment you are replying to is not available.")
        if parent.depth >= self.settings.max_depth:
            raise forms.ValidationError("Replies cannot be nested this deep.")
        return parent

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("homepage") or self.data.get("homepage"):
            raise forms.ValidationError(AUTOMATED_MESSAGE, code="honeypot")
        return cleaned

    @property
    def is_honeypot(self) -> bool:
        return any(error.code == "honeypot" for error in self.non_field_errors().as_data())

    def submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            name=data["name"],
            email=data["email"],
            body=data["comment"],
            website=data.get("website") or "",
            notify=bool(data.get("notify")),
            parent=data.get("parent"),
        )
