"""XLSForms written the way ODK's documentation examples write them, built with openpyxl as real .xlsx files."""
import io

import openpyxl


def xlsform(survey, choices=None, settings=None) -> bytes:
    """A workbook with survey, choices and settings sheets; each sheet is a header row then rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    for name, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(name)
            for row in rows:
                extra.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ODK docs, "Form logic": a select_multiple shown only when the select_one before it is 'yes'.
PIZZA = dict(
    survey=[
        ("type", "name", "label", "relevant", "hint", "required"),
        ("select_one yes_no", "likes_pizza", "Do you like pizza?", "", "", "yes"),
        ("select_multiple pizza_toppings", "favorite_toppings", "Favorite toppings", "${likes_pizza} = 'yes'", "",
         ""),
        ("text", "why_not", "Why not?", "${likes_pizza} = 'no'", "Be honest", ""),
    ],
    choices=[
        ("list_name", "name", "label"),
        ("yes_no", "yes", "Yes"), ("yes_no", "no", "No"),
        ("pizza_toppings", "cheese", "Cheese"), ("pizza_toppings", "pepperoni", "Pepperoni"),
        ("pizza_toppings", "sausage", "Sausage"),
    ],
    settings=[("form_title", "form_id"), ("Pizza survey", "pizza_survey")],
)

# A site inspection as Kobo users write them: groups, constraints, photos, dates, notes, two languages.
INSPECTION = dict(
    survey=[
        ("type", "name", "label::English (en)", "label::Français (fr)", "hint::English (en)", "constraint",
         "constraint_message", "relevant", "required", "appearance"),
        ("begin_group", "site", "Site", "Site", "", "", "", "", "", "field-list"),
        ("date", "visit_date", "Date of the visit", "Date de la visite", "", "", "", "", "yes", ""),
        ("select_one area", "area", "Area inspected", "Zone inspectée", "", "", "", "", "yes", "minimal"),
        ("end_group", "", "", "", "", "", "", "", "", ""),
        ("begin_group", "checks", "Checks", "Contrôles", "", "", "", "", "", ""),
        ("note", "ppe_note", "Look at every person in the area", "Regardez chaque personne", "", "", "", "", "", ""),
        ("select_one yn", "ppe_worn", "Is PPE worn by everyone?", "EPI portés ?", "Helmet, glasses, shoes", "", "",
         "", "yes", ""),
        ("integer", "people_without", "How many people without PPE?", "Combien sans EPI ?", "",
         ". >= 0 and . <= 50", "Between 0 and 50", "${ppe_worn} = 'no'", "yes", ""),
        ("decimal", "noise", "Noise level at the press (dB)", "Bruit (dB)", "", ". >= 60 and . <= 85", "", "",
         "", ""),
        ("image", "photo", "Photo of the area", "Photo de la zone", "", "", "", "", "", ""),
        ("select_multiple hazards", "hazards", "Hazards seen", "Dangers vus", "", "", "", "", "", ""),
        ("text", "hazard_detail", "Describe the hazards", "Décrivez", "", "", "",
         "selected(${hazards}, 'spill') or selected(${hazards}, 'blocked_exit')", "", ""),
        ("end_group", "", "", "", "", "", "", "", "", ""),
    ],
    choices=[
        ("list_name", "name", "label::English (en)", "label::Français (fr)"),
        ("area", "assembly", "Assembly", "Montage"), ("area", "press", "Press shop", "Presses"),
        ("yn", "yes", "Yes", "Oui"), ("yn", "no", "No", "Non"),
        ("hazards", "spill", "Oil spill", "Fuite d'huile"), ("hazards", "blocked_exit", "Blocked exit", "Sortie"),
        ("hazards", "noise", "Noise", "Bruit"),
    ],
    settings=[("form_title", "form_id", "version", "default_language"),
              ("Safety inspection", "Safety_Inspection", "2024031501", "English (en)")],
)

# What a checklist cannot hold: repeats, calculations, GPS, metadata, complex logic.
HOUSEHOLD = dict(
    survey=[
        ("type", "name", "label", "calculation", "relevant", "constraint"),
        ("start", "start", "", "", "", ""),
        ("today", "today", "", "", "", ""),
        ("integer", "members", "How many people live here?", "", "", ". > 0"),
        ("begin_repeat", "member", "Member", "", "", ""),
        ("text", "member_name", "Name", "", "", ""),
        ("integer", "member_age", "Age", "", "", ""),
        ("end_repeat", "", "", "", "", ""),
        ("calculate", "adults", "", "${members} * 2", "", ""),
        ("geopoint", "location", "Location", "", "", ""),
        ("select_one yn", "owns", "Do you own the house?", "", "${members} > 2 and ${members} < 9", ""),
        ("integer", "rooms", "Rooms", "", "", ". != 0"),
        ("note", "thanks", "Thank you!", "", "", ""),
    ],
    choices=[("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")],
)
