from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("policies/<slug:key>/ask/", views.AskView.as_view(), name="ask"),
    path("questions/<str:token>/", views.QuestionView.as_view(), name="question"),
    path("bureau/questions/", views.QueueView.as_view(), name="queue"),
    path("bureau/questions/<int:pk>/", views.BureauQuestionView.as_view(), name="bureau_question"),
    path(
        "bureau/questions/<int:pk>/<slug:step>/",
        views.BureauStepView.as_view(),
        name="bureau_step",
    ),
    path("bureau/contacts/", views.ContactsView.as_view(), name="contacts"),
]
