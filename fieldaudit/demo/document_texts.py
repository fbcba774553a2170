"""Content of the demo plant's controlled documents (written for FieldAudit; any resemblance is to common practice)."""

WI_ASM_012_V1 = """\
## Purpose
Tighten bolted joints on the gearbox housing to the specified torque, every time, and leave a record that shows it.

## Applies to
Torque stations 1 and 2 (ASM-01, ASM-02), all shifts, all housing variants.

## Equipment
- Click-type torque wrench, 5–60 Nm, with a valid calibration label (see SOP-QA-010).
- Paint marker (yellow) for the torque stripe.

## Method
1. Check the calibration label on the wrench. **Expired or missing: do not use**; take the spare from the board.
2. Fit all bolts finger-tight in the order shown on the station drawing.
3. Tighten in a cross pattern in two passes: first pass to 50 % of the final torque, second pass to final torque.
4. Mark each bolt head with a paint stripe across bolt and housing once it has reached final torque.
5. Record the housing serial number and your initials on the shift sheet.

| Joint | Thread | Final torque |
|---|---|---|
| Cover to housing | M6 | 10 Nm ± 1 |
| Housing to flange | M8 | 22 Nm ± 2 |

## If something is wrong
A bolt that turns past the click, a stripped thread or a missing stripe: stop, put the housing in the red bin and
call the team leader (SOP-QA-007).
"""

WI_ASM_012_V2 = """\
## Purpose
Tighten bolted joints on the gearbox housing to the specified torque, every time, and leave a record that shows it.

## Applies to
Torque stations 1 and 2 (ASM-01, ASM-02), all shifts, all housing variants.

## Equipment
- Click-type torque wrench, 5–60 Nm, with a valid calibration label (see SOP-QA-010).
- Paint marker (yellow) for the torque stripe.
- Torque check gauge on the station (daily check, see step 1).

## Method
1. At shift start, click the wrench once on the check gauge at 25 Nm. Reading outside 24–26 Nm: **do not use**;
   take the spare from the board and tell the team leader.
2. Check the calibration label on the wrench. Expired or missing: do not use.
3. Fit all bolts finger-tight in the order shown on the station drawing.
4. Tighten in a cross pattern in two passes: first pass to 50 % of the final torque, second pass to final torque.
5. Mark each bolt head with a paint stripe across bolt and housing once it has reached final torque.
6. Record the housing serial number and your initials on the shift sheet.

| Joint | Thread | Final torque |
|---|---|---|
| Cover to housing | M6 | 10 Nm ± 1 |
| Housing to flange | M8 | **25 Nm ± 2** |

The torque table as a printable sheet is attached below.

## If something is wrong
A bolt that turns past the click, a stripped thread or a missing stripe: stop, put the housing in the red bin and
call the team leader (SOP-QA-007).
"""

SOP_QA_007_V1 = """\
## Purpose
Keep parts that do not meet requirements from being used or shipped by mistake.

## Method
1. Stop. Do not rework or "use as is" on your own.
2. Put the part in the **red bin** at the station and fill in a red tag: part number, quantity, what is wrong,
   your name, date.
3. Tell the team leader before the end of the shift.
4. The team leader moves red-bin parts to the quarantine cage once a shift.
"""

SOP_QA_007_V2 = """\
## Purpose
Keep parts that do not meet requirements from being used or shipped by mistake, and learn from every case.

## Method
1. Stop. Do not rework or "use as is" on your own.
2. Put the part in the **red bin** at the station and fill in a red tag: part number, quantity, what is wrong,
   your name, date and time.
3. Check the parts made since the last good check (at least the last 5) and red-tag any that are also wrong.
4. Tell the team leader **immediately**; from three parts with the same fault the line stops until the team leader
   releases it.
5. The team leader moves red-bin parts to the quarantine cage once a shift and logs them on the NC board.
6. Quality decides within two working days: scrap, rework to an approved instruction, or concession from the
   customer. Repeated faults become a CAPA.
"""

SOP_QA_031_V1 = """\
## Purpose
Confirm at every shift start and after every changeover that the first part is right before running the batch.

## Method
1. Make the first part after start-up or changeover.
2. Check it against the first-off checklist on the station board (dimensions, torque stripes, label, leak test).
3. The team leader signs the first-off sheet. No signature, no batch.
4. Keep the first-off part at the station until the batch is finished.
"""

SOP_QA_031_V2 = SOP_QA_031_V1.replace(
    "4. Keep the first-off part", "4. Photograph the first-off part with the station tablet and attach it to the "
    "shift record.\n5. Keep the first-off part")

SOP_HS_010_V1 = """\
## Personal protective equipment on the shop floor
| Area | Always | When the task needs it |
|---|---|---|
| Assembly | Safety shoes, safety glasses | Cut-resistant gloves (sharp edges), ear defenders above 80 dB(A) |
| Machining | Safety shoes, safety glasses | Face shield (grinding), ear defenders |
| Warehouse | Safety shoes, high-visibility vest | Gloves for strapping |
| Quality lab | Lab coat, safety glasses | Nitrile gloves for solvents |

Damaged PPE is replaced at the stores counter at no cost. Visitors get PPE at reception.
"""

SOP_HS_010_V2 = SOP_HS_010_V1.replace("Safety shoes, safety glasses | Cut-resistant",
                                      "Safety shoes, safety glasses, sleeve guards | Cut-resistant")

GENERIC = {
    "QM-001": ("Quality manual", """\
## Scope of the quality management system
Design, machining and assembly of gearboxes and injection-moulded housings at Riverside Plant and Lakeside Plant.

## Our processes
Sales and order review → planning → purchasing → goods receiving → machining → assembly → final test → dispatch,
supported by maintenance, training, calibration and document control. Each process has an owner, objectives and
the procedures listed in the process map (annex A).

## Quality policy
We deliver what we promise, on time, and we find and fix the cause of every problem rather than its symptoms.
"""),
    "SOP-QA-003": ("Control of documented information", """\
## Rules
- Procedures and work instructions are written by a quality manager and approved by another one.
- Only the version in force may be used on the floor; scanning the station label always shows it.
- Printed copies are uncontrolled unless stamped "controlled copy" with a number.
- Every document is reviewed at least every 12 months; a change starts a new version with a change summary.
- Operators and auditors confirm each new version of the documents of their station ("read and understood").
"""),
    "SOP-QA-010": ("Calibration of measuring and test equipment", """\
## Method
1. Every gauge, torque wrench and test instrument has an ID and a calibration label with its due date.
2. The quality lab calibrates against reference standards traceable to national standards, at the interval in
   the equipment register (torque wrenches: 6 months; CMM: 12 months).
3. Equipment found out of tolerance: the lab tells quality the same day; products measured since the last good
   calibration are assessed for recall.
4. Overdue equipment is taken out of use and tagged "do not use".
"""),
    "SOP-QA-012": ("Internal audits", """\
## Programme
The quality manager plans internal audits for the year so that every process is audited at least twice, more
often where results were poor or the process changed. Layered process audits run weekly in assembly.

## Conduct
Auditors do not audit their own work. Findings are graded major, minor, observation or improvement and recorded
with evidence and the clause. Majors and minors get a corrective action (CAPA) with an owner and a due date.
"""),
    "SOP-QA-015": ("Incoming inspection and supplier evaluation", """\
## Incoming inspection
1. Check the delivery note against the purchase order: part number, revision, quantity.
2. Inspect per the inspection plan of the part (sample size by lot size); record results.
3. Accepted lots get a green label; rejected lots go to the quarantine rack with a red label and a supplier
   complaint is raised.

## Supplier evaluation
Quarterly score per supplier: quality (ppm), delivery (on-time %), responsiveness. Below 70 points: improvement
plan; below 50 points two quarters running: resourcing.
"""),
    "SOP-QA-020": ("Management review", """\
## Inputs
Audit results, customer feedback, KPIs (process performance, on-time delivery, ppm), status of CAPAs, risks and
opportunities, supplier performance, resources, and actions from the previous review.

## Outputs
Decisions on improvements, changes to the QMS and resource needs, recorded in minutes with owners and dates.
Held every six months, chaired by the plant manager.
"""),
    "SOP-PUR-002": ("Purchasing and approved suppliers", """\
## Rules
- Production material is bought only from suppliers on the approved supplier list.
- A new supplier is approved after a supplier audit (checklist "Supplier audit") and a successful first article.
- Purchase orders state part number, drawing revision, quantity, delivery date and quality requirements.
"""),
    "SOP-MNT-001": ("Preventive maintenance", """\
## Method
1. Each machine has a maintenance plan (daily operator checks, weekly and quarterly technician tasks).
2. Operators do the daily checks at shift start and tick them on the machine card.
3. Technicians record work orders in the maintenance log with parts used and time.
4. Breakdowns longer than 2 hours get a short cause analysis at the next morning meeting.
"""),
    "SOP-HR-004": ("Training and qualification", """\
## Method
1. Every role has a qualification matrix: which tasks need which training.
2. New operators work with a qualified buddy until signed off by the team leader on each task.
3. A new version of a work instruction needs a "read and understood" by everyone who uses it, before their next
   shift at the station.
4. Qualifications are reviewed yearly.
"""),
    "SOP-HS-004": ("Lockout / tagout", """\
## Before any work inside a guard
1. Tell the operator and the team leader.
2. Switch off at the main isolator, **lock it with your own padlock** and hang your tag.
3. Release stored energy (pressure, springs, hydraulics) and try to start the machine: it must not move.
4. Only then open the guard. Everyone working inside fits their own lock.
5. Remove your lock only yourself, after a check that all guards are back and everyone is clear.
"""),
    "SOP-HS-021": ("Handling of chemicals", """\
## Rules
- Only chemicals on the approved list, each with its safety data sheet at the point of use.
- Decant only into labelled containers; never into drink bottles.
- Spills: absorbent from the yellow spill kit, bagged as hazardous waste; report to the team leader.
- Solvents in the lab are used under the extraction hood with nitrile gloves.
"""),
    "SOP-5S-001": ("5S workplace standard", """\
## The standard
1. **Sort** – only what the station needs today; everything else red-tagged (SOP-5S-002).
2. **Set in order** – a marked place for every tool; shadow boards; floor markings.
3. **Shine** – clean at the end of every shift; cleaning is inspection.
4. **Standardise** – the station photo on the board shows how it should look.
5. **Sustain** – weekly 5S audit by the team leader, monthly by the area manager.
"""),
    "SOP-5S-002": ("Red-tag procedure", """\
## Method
1. An item not needed at the station gets a red tag: what, why, who, date.
2. Tagged items go to the red-tag area of the hall within the shift.
3. After 4 weeks the area manager decides: return, move to another area, sell or scrap.
"""),
}
