from django.db import migrations

PERMISSIONS = {
    "moderate_articlecomment": "Can moderate reader comments",
}


def add_moderators(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    comment_type, _ = ContentType.objects.get_or_create(
        app_label="reader_comments", model="articlecomment"
    )
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(access_admin)
    for codename, name in PERMISSIONS.items():
        permission, _ = Permission.objects.get_or_create(
            content_type=comment_type, codename=codename, defaults={"name": name}
        )
        moderators.permissions.add(permission)


def remove_moderation(apps, schema_editor):
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    permissions = Permission.objects.filter(
        content_type__app_label="reader_comments", codename__in=list(PERMISSIONS)
    )
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("reader_comments", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(add_moderators, remove_moderation)]
