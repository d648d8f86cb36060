#!/usr/bin/env python3
"""Writes seeds/demo-cohort.json: a synthetic demo cohort (no real people), deterministic (fixed seed).

The JSON file is what the service loads (`--seed-demo`); this script only documents how it was made and
regenerates it. Days are relative to each patient's first infusion; the loader anchors them so the patient's
course started `startDaysAgo` days before the load.
"""
import json, random

rng = random.Random(20261123)

def phq9(total, item9=0):
    total = max(total, item9)
    rest = total - item9
    items = [0] * 8
    while rest > 0:
        i = rng.randrange(8)
        if items[i] < 3:
            items[i] += 1
            rest -= 1
    return items + [item9]

def gad7(total):
    items = [0] * 7
    while total > 0:
        i = rng.randrange(7)
        if items[i] < 3:
            items[i] += 1
            total -= 1
    return items

# (archetype, count): each archetype maps session-6 fraction of baseline and extras.
ARCHETYPES = [("responder", 18), ("remitter", 14), ("non-responder", 12), ("partial", 6), ("relapse", 3),
              ("below-threshold", 4), ("no-baseline", 3)]
SCHEDULES = {"three-a-week": [0, 2, 4, 7, 9, 11], "twice-a-week": [0, 3, 7, 10, 14, 17]}
DIAGNOSES = ["trd", "mdd", "bipolar-depression", "ptsd", "anxiety", "ocd", "chronic-pain"]

patients = []
n = 0
for archetype, count in ARCHETYPES:
    for _ in range(count):
        n += 1
        esketamine = rng.random() < 0.25
        schedule = SCHEDULES["twice-a-week" if esketamine or rng.random() < 0.4 else "three-a-week"]
        infusions = []
        for k, day in enumerate(schedule):
            inf = {"day": day, "hour": 9 + rng.randrange(0, 6)}
            if esketamine:
                inf.update(route="intranasal", drug="esketamine", doseMg=56 if k < 2 else 84, durationMinutes=120)
            else:
                weight = rng.randrange(55, 110)
                inf.update(route="iv", drug="ketamine", doseMgPerKg=0.5, doseMg=round(weight * 0.5, 1), durationMinutes=40)
            pre_s = rng.randrange(110, 140)
            inf["bloodPressure"] = {"preSystolic": pre_s, "preDiastolic": rng.randrange(65, 90),
                                    "postSystolic": pre_s + rng.randrange(0, 25), "postDiastolic": rng.randrange(70, 95)}
            effects = [e for e, p in [("dissociation", .6), ("nausea", .2), ("dizziness", .3), ("headache", .1),
                                      ("elevated-blood-pressure", .1)] if rng.random() < p]
            inf["sideEffects"] = effects
            infusions.append(inf)
        if archetype in ("responder", "remitter") and rng.random() < 0.3:
            infusions.append(dict(infusions[-1], day=schedule[-1] + 28, hour=10))  # maintenance booster

        baseline = {"below-threshold": rng.randrange(5, 10)}.get(archetype, rng.randrange(14, 25))
        end_fraction = {"responder": (0.3, 0.5), "remitter": (0.0, 0.15), "non-responder": (0.8, 1.05),
                        "partial": (0.55, 0.72), "relapse": (0.0, 0.15), "below-threshold": (0.5, 1.0),
                        "no-baseline": (0.3, 0.9)}[archetype]
        end = max(0, round(baseline * rng.uniform(*end_fraction)))
        if archetype == "remitter" or archetype == "relapse":
            end = min(end, 4)
        baseline_item9 = rng.choice([0, 0, 0, 1, 1, 2]) if baseline >= 15 else 0
        questionnaires = []
        if archetype != "no-baseline":
            questionnaires.append({"day": -2, "hour": 15, "instrument": "phq9", "items": phq9(baseline, baseline_item9), "difficulty": 2})
        else:
            questionnaires.append({"day": -45, "hour": 15, "instrument": "phq9", "items": phq9(baseline, 0), "difficulty": 2})
        # 24 h after infusions 1, 2, 4 and 6, sliding from baseline to the end score.
        for k, frac in [(0, .25), (1, .45), (3, .75), (5, 1.0)]:
            score = round(baseline + (end - baseline) * frac) + rng.choice([-1, 0, 0, 1])
            score = max(0, min(27, score))
            if k == 5: score = end
            item9 = 1 if (baseline_item9 and k == 0) else 0
            questionnaires.append({"day": schedule[k] + 1, "hour": infusions[k]["hour"], "instrument": "phq9", "items": phq9(score, item9)})
        if archetype == "relapse":
            questionnaires.append({"day": schedule[-1] + 21, "hour": 11, "instrument": "phq9", "items": phq9(rng.randrange(12, 18), 0)})
            questionnaires.append({"day": schedule[-1] + 30, "hour": 11, "instrument": "phq9", "items": phq9(rng.randrange(15, 21), 3 if n % 2 else 1)})
        elif rng.random() < 0.5:
            questionnaires.append({"day": schedule[-1] + 16, "hour": 11, "instrument": "phq9", "items": phq9(max(0, end + rng.choice([0, 1, 2])), 0)})
        if rng.random() < 0.6:
            g0 = rng.randrange(8, 19)
            questionnaires.append({"day": -2, "hour": 15, "instrument": "gad7", "items": gad7(g0)})
            questionnaires.append({"day": schedule[-1] + 1, "hour": 12, "instrument": "gad7", "items": gad7(min(21, round(g0 * end / max(baseline, 1))))})
        checkins = [{"day": -2, "hour": 15, "wishToBeDead": baseline_item9 > 0, "suicidalThoughts": baseline_item9 > 1,
                     "suicidalBehavior": "over-3-months-ago" if n % 11 == 0 else "none"}]
        if baseline_item9 > 1:
            checkins[0].update(thoughtsOfMethod=n % 3 == 0, intent=False, plan=False)
        if archetype == "relapse" and n % 2:
            checkins.append({"day": schedule[-1] + 30, "hour": 11, "wishToBeDead": True, "suicidalThoughts": True,
                             "thoughtsOfMethod": True, "intent": True, "plan": False, "suicidalBehavior": "none"})
        last_day = max([i["day"] for i in infusions] + [q["day"] for q in questionnaires])
        patients.append({
            "mrn": f"DEMO-{n:04d}", "siteId": "demo-north" if n % 3 else "demo-south",
            "birthYear": rng.randrange(1950, 2004), "sex": rng.choice(["female", "female", "male", "male", "other"]),
            "diagnoses": sorted(set(["trd"] + rng.sample(DIAGNOSES[1:], rng.randrange(0, 3)))),
            "researchConsent": rng.random() < 0.8, "archetype": archetype,
            "startDaysAgo": last_day + rng.randrange(2, 40),
            "infusions": infusions, "questionnaires": questionnaires, "checkins": checkins,
        })

doc = {"description": "Synthetic demo cohort for KetamineOutcomes. No real people. Regenerate with seeds/generate_demo_cohort.py.",
       "patients": patients}
with open(__file__.replace("generate_demo_cohort.py", "demo-cohort.json"), "w") as f:
    # One patient per line: compact, yet diffs stay readable.
    f.write('{"description": ' + json.dumps(doc["description"]) + ',\n "patients": [\n')
    f.write(",\n".join("  " + json.dumps(p, separators=(",", ":")) for p in patients))
    f.write("\n ]\n}\n")
print(len(patients), "patients")
