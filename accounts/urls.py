from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/profile/", views.AccountView.as_view(), name="account"),
    path(
        "invitations/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "enterprise/invitations/new/",
        views.InvitationCreateView.as_view(),
        name="invitation_create",
    ),
    path(
        "enterprise/colleagues/<int:pk>/active/",
        views.ColleagueActiveView.as_view(),
        name="colleague_active",
    ),
    path(
        "enterprise/invitations/<int:pk>/withdraw/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
]
