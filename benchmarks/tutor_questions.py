"""Labelled questions for the tutor: study documents by page, questions they answer, and ones they do not.

Two sets over the same documents. TUNING_QUESTIONS are the ones GROUNDED_SIMILARITY
(worker/jobs/tutor/tutor_answer_job.py) was chosen on; HELD_OUT_QUESTIONS were written afterwards,
before any of their scores were seen, and must never be used to move the threshold, so that they
still say how it does on questions it was not fitted to. The held-out unanswerable questions
include near misses: on the documents' subjects, but about something the pages do not cover.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCUMENTS: dict[str, list[str]] = {
    "Cell Biology Lecture 3": [
        "The cell membrane is a phospholipid bilayer with embedded proteins. It is selectively permeable: small "
        "nonpolar molecules such as oxygen and carbon dioxide diffuse straight through it, while ions and large "
        "polar molecules need transport proteins. Channel proteins form pores for specific ions, and carrier "
        "proteins change shape to move glucose and amino acids across. Cholesterol between the phospholipids keeps "
        "the membrane fluid at low temperatures and stable at high ones.",
        "Osmosis is the diffusion of water across a selectively permeable membrane from a region of low solute "
        "concentration to a region of high solute concentration. A red blood cell placed in a hypotonic solution "
        "takes in water and may burst, a process called lysis. In a hypertonic solution it loses water and shrivels, "
        "which is called crenation. Plant cells in hypotonic solutions become turgid because the cell wall resists "
        "the pressure, and in hypertonic solutions the membrane pulls away from the wall in plasmolysis.",
        "Mitochondria produce most of the cell's ATP through aerobic respiration. Glycolysis in the cytoplasm splits "
        "glucose into two pyruvate molecules. The Krebs cycle in the mitochondrial matrix releases carbon dioxide and "
        "loads NADH and FADH2 with electrons. The electron transport chain on the inner membrane pumps protons, and "
        "ATP synthase uses the proton gradient to make about 30 to 32 ATP per glucose molecule. Oxygen is the final "
        "electron acceptor and is reduced to water.",
    ],
    "Modern History: The First World War": [
        "The assassination of Archduke Franz Ferdinand in Sarajevo on 28 June 1914 triggered the First World War. "
        "Underlying causes included the alliance system, with the Triple Entente of France, Russia and Britain facing "
        "the Triple Alliance of Germany, Austria-Hungary and Italy, as well as militarism, imperial rivalry and "
        "nationalism in the Balkans. Austria-Hungary declared war on Serbia in July 1914, and within a week the "
        "alliances had drawn the great powers into the conflict.",
        "Germany's Schlieffen Plan aimed to defeat France quickly by marching through neutral Belgium before turning "
        "to face Russia. The plan failed at the First Battle of the Marne in September 1914. Both sides then dug "
        "trenches from the Channel coast to Switzerland, and the Western Front settled into stalemate. The Battle of "
        "the Somme in 1916 cost over a million casualties, and on its first day the British army lost nearly 20,000 "
        "men killed.",
        "The United States entered the war in April 1917, provoked by unrestricted submarine warfare and the "
        "Zimmermann Telegram, in which Germany proposed an alliance with Mexico. Russia left the war after the "
        "Bolshevik revolution and signed the Treaty of Brest-Litovsk in March 1918. The armistice of 11 November "
        "1918 ended the fighting, and the Treaty of Versailles in 1919 made Germany accept responsibility for the "
        "war, pay reparations and give up territory.",
    ],
    "Physics Notes: Thermodynamics": [
        "The zeroth law of thermodynamics says that two systems each in thermal equilibrium with a third are in "
        "equilibrium with each other, which is what makes thermometers meaningful. Temperature measures the average "
        "kinetic energy of particles. Heat is energy transferred because of a temperature difference, and it flows "
        "spontaneously from hotter to colder bodies by conduction, convection or radiation.",
        "The first law of thermodynamics is the conservation of energy: the change in a system's internal energy "
        "equals the heat added to it minus the work it does on its surroundings. In an isothermal process the "
        "temperature stays constant, in an adiabatic process no heat is exchanged, and in an isobaric process the "
        "pressure stays constant. A gas that expands adiabatically cools because it does work using its own "
        "internal energy.",
        "The second law of thermodynamics states that the entropy of an isolated system never decreases. No heat "
        "engine can convert heat completely into work. The Carnot efficiency, one minus the ratio of the cold "
        "reservoir temperature to the hot reservoir temperature in kelvin, is the upper limit for any engine working "
        "between two temperatures. Refrigerators and heat pumps need work input to move heat from cold to hot.",
    ],
    "Economics 101: Macroeconomics": [
        "Gross domestic product measures the market value of all final goods and services produced in a country in "
        "a year. It can be computed by the expenditure approach as consumption plus investment plus government "
        "spending plus net exports. Real GDP adjusts for inflation using a base year's prices, so it shows changes "
        "in actual output rather than in prices.",
        "Inflation is a sustained rise in the general price level, usually measured by the consumer price index. "
        "Demand-pull inflation happens when total demand grows faster than the economy's capacity, and cost-push "
        "inflation when production costs such as wages or oil prices rise. Hyperinflation, as in Germany in 1923 or "
        "Zimbabwe in 2008, destroys savings and the use of money as a store of value.",
        "Central banks conduct monetary policy mainly by setting a policy interest rate. Raising the rate makes "
        "borrowing more expensive, cools spending and lowers inflation; cutting it stimulates the economy during a "
        "recession. Quantitative easing means buying government bonds to push down long-term interest rates when the "
        "policy rate is already near zero. Fiscal policy, by contrast, uses government spending and taxation.",
    ],
}


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    document: str | None  # None: no document answers it
    page: int | None = None


TUNING_QUESTIONS: list[LabelledQuestion] = [
    LabelledQuestion("Why can oxygen cross the cell membrane without a transport protein?", "Cell Biology Lecture 3", 1),
    LabelledQuestion("What does cholesterol do in the membrane?", "Cell Biology Lecture 3", 1),
    LabelledQuestion("What happens to a red blood cell in a hypotonic solution?", "Cell Biology Lecture 3", 2),
    LabelledQuestion("What is plasmolysis?", "Cell Biology Lecture 3", 2),
    LabelledQuestion("How many ATP does aerobic respiration make per glucose?", "Cell Biology Lecture 3", 3),
    LabelledQuestion("Where does the Krebs cycle take place?", "Cell Biology Lecture 3", 3),
    LabelledQuestion("What event triggered the First World War?", "Modern History: The First World War", 1),
    LabelledQuestion("Which countries formed the Triple Entente?", "Modern History: The First World War", 1),
    LabelledQuestion("Why did the Schlieffen Plan fail?", "Modern History: The First World War", 2),
    LabelledQuestion("How many casualties did the Battle of the Somme cause?", "Modern History: The First World War", 2),
    LabelledQuestion("Why did the United States enter the war in 1917?", "Modern History: The First World War", 3),
    LabelledQuestion("What did the Treaty of Versailles require from Germany?", "Modern History: The First World War", 3),
    LabelledQuestion("What does the zeroth law of thermodynamics say?", "Physics Notes: Thermodynamics", 1),
    LabelledQuestion("In which direction does heat flow spontaneously?", "Physics Notes: Thermodynamics", 1),
    LabelledQuestion("What is an adiabatic process?", "Physics Notes: Thermodynamics", 2),
    LabelledQuestion("State the first law of thermodynamics.", "Physics Notes: Thermodynamics", 2),
    LabelledQuestion("What limits the efficiency of a heat engine?", "Physics Notes: Thermodynamics", 3),
    LabelledQuestion("What does the second law say about entropy?", "Physics Notes: Thermodynamics", 3),
    LabelledQuestion("How is GDP calculated with the expenditure approach?", "Economics 101: Macroeconomics", 1),
    LabelledQuestion("What is the difference between real and nominal GDP?", "Economics 101: Macroeconomics", 1),
    LabelledQuestion("What causes cost-push inflation?", "Economics 101: Macroeconomics", 2),
    LabelledQuestion("Give an example of hyperinflation.", "Economics 101: Macroeconomics", 2),
    LabelledQuestion("What is quantitative easing?", "Economics 101: Macroeconomics", 3),
    LabelledQuestion("How does raising interest rates affect inflation?", "Economics 101: Macroeconomics", 3),
    LabelledQuestion("Who wrote the novel Don Quixote?", None),
    LabelledQuestion("How do I bake sourdough bread at home?", None),
    LabelledQuestion("What is the capital city of Australia?", None),
    LabelledQuestion("How does a jet engine produce thrust?", None),
    LabelledQuestion("What are the rules of chess castling?", None),
    LabelledQuestion("Which planet has the most moons?", None),
    LabelledQuestion("How do I conjugate French verbs in the subjunctive?", None),
    LabelledQuestion("What is the time complexity of quicksort?", None),
    LabelledQuestion("Who painted the ceiling of the Sistine Chapel?", None),
    LabelledQuestion("How do vaccines train the immune system?", None),
]

_CELLS, _WAR, _HEAT, _ECONOMY = list(DOCUMENTS)

HELD_OUT_QUESTIONS: list[LabelledQuestion] = [
    LabelledQuestion("Which proteins form pores that let specific ions through the membrane?", _CELLS, 1),
    LabelledQuestion("How does glucose get across the cell membrane?", _CELLS, 1),
    LabelledQuestion("What is crenation?", _CELLS, 2),
    LabelledQuestion("Why do plant cells become turgid in a hypotonic solution?", _CELLS, 2),
    LabelledQuestion("What is the final electron acceptor in aerobic respiration?", _CELLS, 3),
    LabelledQuestion("Where in the cell does glycolysis happen?", _CELLS, 3),
    LabelledQuestion("When and where was Archduke Franz Ferdinand assassinated?", _WAR, 1),
    LabelledQuestion("Which countries made up the Triple Alliance?", _WAR, 1),
    LabelledQuestion("What happened at the First Battle of the Marne?", _WAR, 2),
    LabelledQuestion("How many British soldiers were killed on the first day of the Somme?", _WAR, 2),
    LabelledQuestion("What was the Zimmermann Telegram?", _WAR, 3),
    LabelledQuestion("Which treaty did Russia sign to leave the war?", _WAR, 3),
    LabelledQuestion("What does temperature measure?", _HEAT, 1),
    LabelledQuestion("What are the ways heat can be transferred?", _HEAT, 1),
    LabelledQuestion("Why does a gas cool when it expands adiabatically?", _HEAT, 2),
    LabelledQuestion("What stays constant in an isobaric process?", _HEAT, 2),
    LabelledQuestion("How do you calculate the Carnot efficiency?", _HEAT, 3),
    LabelledQuestion("Why does a refrigerator need work input?", _HEAT, 3),
    LabelledQuestion("What does gross domestic product measure?", _ECONOMY, 1),
    LabelledQuestion("Why does real GDP use a base year's prices?", _ECONOMY, 1),
    LabelledQuestion("What is demand-pull inflation?", _ECONOMY, 2),
    LabelledQuestion("How is inflation usually measured?", _ECONOMY, 2),
    LabelledQuestion("What do central banks mainly use to conduct monetary policy?", _ECONOMY, 3),
    LabelledQuestion("How is fiscal policy different from monetary policy?", _ECONOMY, 3),
    LabelledQuestion("What is the function of ribosomes in a cell?", None),
    LabelledQuestion("How do chloroplasts carry out photosynthesis?", None),
    LabelledQuestion("What caused the Second World War?", None),
    LabelledQuestion("Who won the Battle of Waterloo?", None),
    LabelledQuestion("What is Ohm's law?", None),
    LabelledQuestion("What is the speed of light in a vacuum?", None),
    LabelledQuestion("How does a supply curve shift when a new technology lowers costs?", None),
    LabelledQuestion("How do I change a flat bicycle tyre?", None),
    LabelledQuestion("What happens at the end of Romeo and Juliet?", None),
    LabelledQuestion("How do you solve a quadratic equation?", None),
    LabelledQuestion("What is the tallest mountain in Africa?", None),
    LabelledQuestion("How do I write a cover letter for a job application?", None),
]
