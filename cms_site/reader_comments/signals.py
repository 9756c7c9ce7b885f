from django.dispatch import Signal

# Sent after a comment's status was decided or changed, inside the deciding transaction.
# Arguments: comment, previous (status before, or None for a new comment), moderator (a user
# for moderator decisions, else None).
comment_status_changed = Signal()

# Sent when comments left a public thread without a status decision (an erasure).
# Arguments: page_ids (the articles whose public thread changed).
public_thread_changed = Signal()
