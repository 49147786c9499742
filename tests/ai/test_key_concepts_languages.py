"""Key concepts in the document's own language: its terms, never its function words or headings."""

from __future__ import annotations

import textwrap

import pytest

from studyteddy_desktop.ai.key_concepts import STOPWORDS, key_concepts
from studyteddy_desktop.ai.text_language import (STOPWORDS_BY_LANGUAGE, STRUCTURE_WORDS_BY_LANGUAGE,
                                                 detect_language)


def page(*blocks: str) -> str:
    """A page as a PDF gives it: headings and formulas on lines of their own, paragraphs wrapped."""
    return "\n".join(textwrap.fill(block, 88) if len(block) > 88 else block for block in blocks) + "\n"


TOPOLOGY_DE = [
    page("Topologie", "Skript zur Vorlesung im Wintersemester",
         "Inhaltsverzeichnis",
         "1 Topologische Räume ........................................ 3",
         "2 Metrische Räume ........................................... 9",
         "3 Stetigkeit und Homöomorphismen ............................ 15",
         "4 Kompaktheit ............................................... 22",
         "5 Zusammenhang .............................................. 30",
         "Einleitung",
         "Die Topologie ist ein Teilgebiet der Geometrie, das Eigenschaften von Räumen untersucht, die bei "
         "stetigen Verformungen erhalten bleiben. In dieser Vorlesung behandeln wir die Grundlagen der "
         "mengentheoretischen Topologie: topologische Räume, metrische Räume, stetige Abbildungen, "
         "Kompaktheit und Zusammenhang. Viele Begriffe der Analysis wie Konvergenz und Stetigkeit lassen "
         "sich allein mit offenen Mengen formulieren. Dadurch werden sie auf Räume übertragbar, auf denen "
         "es keinen Abstand gibt."),
    page("1 Topologische Räume",
         "Definition 1.1. Ein topologischer Raum ist ein Paar (X, T), wobei X eine Menge und T eine Familie "
         "von Teilmengen von X ist, sodass gilt: die leere Menge und X liegen in T, beliebige Vereinigungen "
         "von Mengen aus T liegen in T, und endliche Durchschnitte von Mengen aus T liegen in T. Die Elemente "
         "von T heißen offene Mengen, und T heißt eine Topologie auf X.",
         "(O1) ∅, X ∈ T",
         "(O2) U, V ∈ T ⇒ U ∩ V ∈ T",
         "Bemerkung 1.2. Eine Teilmenge A eines topologischen Raumes heißt abgeschlossen, wenn ihr "
         "Komplement offen ist. Eine Menge kann zugleich offen und abgeschlossen sein, und sie kann auch "
         "keines von beiden sein.",
         "Beispiel 1.3. Auf jeder Menge X gibt es die diskrete Topologie, in der jede Teilmenge offen ist, "
         "und die indiskrete Topologie, in der nur die leere Menge und X selbst offen sind. Die offenen "
         "Intervalle erzeugen die Standardtopologie auf den reellen Zahlen.",
         "Definition 1.4. Eine Umgebung eines Punktes x in einem topologischen Raum ist eine Menge, die eine "
         "offene Menge enthält, in der x liegt. Ein Punkt x heißt Berührpunkt einer Menge A, wenn jede "
         "Umgebung von x die Menge A trifft.",
         "Satz 1.5. Eine Teilmenge eines topologischen Raumes ist genau dann offen, wenn sie eine Umgebung "
         "jedes ihrer Punkte ist.",
         "Beweis. Ist U offen, so ist U eine Umgebung jedes seiner Punkte. Ist umgekehrt U eine Umgebung "
         "jedes Punktes, so wählen wir zu jedem Punkt eine offene Menge darin und vereinigen diese offenen "
         "Mengen. □",
         "3"),
    page("2 Metrische Räume",
         "Definition 2.1. Ein metrischer Raum ist ein Paar (X, d) aus einer Menge X und einer Abbildung "
         "d: X × X → R, der Metrik, mit d(x, y) = 0 genau für x = y, mit d(x, y) = d(y, x) und mit der "
         "Dreiecksungleichung.",
         "d(x, z) ≤ d(x, y) + d(y, z)",
         "Jeder metrische Raum trägt eine Topologie: eine Menge heißt offen, wenn sie mit jedem ihrer Punkte "
         "eine offene Kugel um diesen Punkt enthält. Verschiedene Metriken können dieselbe Topologie "
         "erzeugen, etwa die euklidische Metrik und die Maximumsmetrik auf dem Raum R^n.",
         "Bemerkung 2.2. Nicht jeder topologische Raum ist metrisierbar. Ein metrischer Raum ist stets ein "
         "Hausdorff-Raum, denn zwei verschiedene Punkte besitzen disjunkte offene Kugeln als Umgebungen.",
         "Satz 2.3. In einem metrischen Raum ist eine Menge genau dann abgeschlossen, wenn sie die Grenzwerte "
         "aller ihrer konvergenten Folgen enthält.",
         "Aufgabe 2.4. Zeigen Sie, dass die diskrete Metrik die diskrete Topologie erzeugt.",
         "Aufgabe 2.5. Bestimmen Sie alle offenen Mengen des Raumes X = {a, b} mit der diskreten Metrik.",
         "9"),
    page("3 Stetigkeit und Homöomorphismen",
         "Definition 3.1. Eine Abbildung f: X → Y zwischen topologischen Räumen heißt stetig, wenn das "
         "Urbild jeder offenen Menge von Y offen in X ist. Für metrische Räume stimmt dieser Begriff mit der "
         "Stetigkeit aus der Analysis überein.",
         "Satz 3.2. Die Verkettung stetiger Abbildungen ist stetig, und eine Abbildung ist genau dann stetig, "
         "wenn die Urbilder abgeschlossener Mengen abgeschlossen sind.",
         "Definition 3.3. Ein Homöomorphismus ist eine bijektive stetige Abbildung, deren Umkehrabbildung "
         "ebenfalls stetig ist. Zwei topologische Räume heißen homöomorph, wenn es einen Homöomorphismus "
         "zwischen ihnen gibt.",
         "Homöomorphe Räume sind aus Sicht der Topologie nicht zu unterscheiden: jede topologische "
         "Eigenschaft des einen Raumes besitzt auch der andere. So ist das offene Intervall homöomorph zu "
         "den reellen Zahlen, während ein Kreis nicht homöomorph zu einem Intervall ist.",
         "Beispiel 3.4. Die Oberfläche einer Kaffeetasse ist homöomorph zu einem Torus, aber nicht zu einer "
         "Sphäre; deshalb sagt man scherzhaft, ein Topologe könne beide nicht unterscheiden.",
         "15"),
    page("4 Kompaktheit",
         "Definition 4.1. Ein topologischer Raum heißt kompakt, wenn jede offene Überdeckung eine endliche "
         "Teilüberdeckung besitzt. Eine Teilmenge heißt kompakt, wenn sie mit der Teilraumtopologie ein "
         "kompakter Raum ist.",
         "Satz 4.2 (Heine-Borel). Eine Teilmenge des Raumes R^n ist genau dann kompakt, wenn sie "
         "abgeschlossen und beschränkt ist.",
         "Das stetige Bild eines kompakten Raumes ist kompakt, und eine stetige Funktion auf einem "
         "kompakten Raum nimmt ihr Maximum und ihr Minimum an. Abgeschlossene Teilmengen kompakter Räume "
         "sind kompakt, und kompakte Teilmengen eines Hausdorff-Raumes sind abgeschlossen.",
         "Beweis. Sei (U_i) eine offene Überdeckung des Bildes. Die Urbilder bilden eine offene Überdeckung "
         "des kompakten Raumes, also genügen endlich viele davon. □",
         "Aufgabe 4.3. Beweisen Sie, dass jeder kompakte metrische Raum beschränkt ist.",
         "22"),
    page("5 Zusammenhang",
         "Definition 5.1. Ein topologischer Raum heißt zusammenhängend, wenn er sich nicht als Vereinigung "
         "zweier disjunkter nichtleerer offener Mengen schreiben lässt. Er heißt wegzusammenhängend, wenn "
         "sich je zwei Punkte durch einen stetigen Weg verbinden lassen.",
         "Jeder wegzusammenhängende Raum ist zusammenhängend, die Umkehrung gilt jedoch nicht. Das stetige "
         "Bild eines zusammenhängenden Raumes ist zusammenhängend, und die zusammenhängenden Teilmengen der "
         "reellen Zahlen sind genau die Intervalle.",
         "Korollar 5.2. Der Zwischenwertsatz der Analysis folgt aus dem Zusammenhang der Intervalle, denn "
         "das Bild eines Intervalls unter einer stetigen Funktion ist wieder ein Intervall.",
         "Zusammenhang und Kompaktheit sind topologische Eigenschaften: sie bleiben unter "
         "Homöomorphismen erhalten und helfen daher zu entscheiden, ob zwei Räume homöomorph sind.",
         "Übung 5.3. Zeigen Sie, dass der Kreis nicht homöomorph zu einem Intervall ist.",
         "30"),
]

LINEAR_ALGEBRA_FR = [
    page("Chapitre 1 Espaces vectoriels",
         "Dans ce cours, nous étudions les espaces vectoriels, les applications linéaires et les matrices, "
         "qui forment le langage commun de l'algèbre linéaire. Un espace vectoriel sur un corps K est un "
         "ensemble muni d'une addition et d'une multiplication par les scalaires qui vérifient les axiomes "
         "habituels.",
         "Définition 1.1. Une famille de vecteurs d'un espace vectoriel est dite libre si aucune combinaison "
         "linéaire non triviale de ces vecteurs n'est nulle. Elle est dite génératrice si tout vecteur de "
         "l'espace est une combinaison linéaire de ses éléments.",
         "Une base d'un espace vectoriel est une famille libre et génératrice. Toutes les bases d'un espace "
         "vectoriel de dimension finie ont le même nombre d'éléments, que l'on appelle la dimension de "
         "l'espace.",
         "Remarque 1.2. Un sous-espace vectoriel d'un espace vectoriel de dimension finie est lui-même de "
         "dimension finie, et sa dimension est au plus celle de l'espace."),
    page("Chapitre 2 Applications linéaires",
         "Définition 2.1. Une application linéaire entre deux espaces vectoriels est une application qui "
         "respecte l'addition des vecteurs et la multiplication par les scalaires.",
         "Le noyau d'une application linéaire est un sous-espace vectoriel de l'espace de départ, et son "
         "image est un sous-espace vectoriel de l'espace d'arrivée. Le théorème du rang affirme que la "
         "dimension de l'espace de départ est la somme de la dimension du noyau et du rang de "
         "l'application linéaire.",
         "Exemple 2.2. La dérivation est une application linéaire sur l'espace vectoriel des polynômes, et "
         "son noyau est formé des polynômes constants.",
         "Exercice 2.3. Montrer que la composée de deux applications linéaires est une application linéaire."),
    page("Chapitre 3 Matrices et déterminants",
         "Une fois des bases choisies, toute application linéaire entre espaces vectoriels de dimension "
         "finie est représentée par une matrice. La composition des applications linéaires correspond alors "
         "au produit des matrices.",
         "Le déterminant d'une matrice carrée est non nul si et seulement si la matrice est inversible, "
         "c'est-à-dire si l'application linéaire associée est bijective.",
         "Théorème 3.1. Une matrice carrée est diagonalisable lorsque l'espace vectoriel admet une base "
         "formée de vecteurs propres de l'application linéaire associée.",
         "Exercice 3.2. Calculer le déterminant de la matrice et déterminer si elle est inversible."),
]

PROBABILITY_ES = [
    page("Tema 1 Espacios de probabilidad",
         "En este curso estudiaremos los fundamentos de la teoría de la probabilidad y sus aplicaciones a "
         "la estadística. Un espacio de probabilidad está formado por un espacio muestral, una familia de "
         "sucesos y una medida de probabilidad que asigna a cada suceso un número entre cero y uno.",
         "Definición 1.1. Dos sucesos son independientes cuando la probabilidad de su intersección es el "
         "producto de sus probabilidades. La probabilidad condicionada de un suceso dado otro se obtiene "
         "dividiendo la probabilidad de la intersección entre la probabilidad del segundo suceso.",
         "Observación 1.2. El teorema de Bayes permite invertir la probabilidad condicionada y es la base "
         "de la inferencia estadística bayesiana."),
    page("Tema 2 Variables aleatorias",
         "Una variable aleatoria es una función que asigna un número real a cada resultado del espacio "
         "muestral. Su distribución de probabilidad describe con qué probabilidad toma cada valor.",
         "La esperanza de una variable aleatoria es el promedio de sus valores ponderado por sus "
         "probabilidades, y la varianza mide cuánto se alejan los valores de la esperanza.",
         "Ejemplo 2.1. La distribución binomial describe el número de éxitos en una serie de ensayos "
         "independientes con la misma probabilidad de éxito.",
         "Ejercicio 2.2. Calcule la esperanza y la varianza de una variable aleatoria binomial."),
    page("Tema 3 Teoremas límite",
         "La ley de los grandes números afirma que la media de muchas variables aleatorias independientes "
         "con la misma distribución se acerca a su esperanza común.",
         "El teorema central del límite explica por qué la distribución normal aparece en tantos problemas "
         "de estadística: la suma de muchas variables aleatorias independientes tiene una distribución "
         "aproximadamente normal.",
         "Ejercicio 3.1. Demuestre la desigualdad de Chebyshev a partir de la definición de varianza."),
]

GRAPH_THEORY_EN = [
    page("Chapter 1 Graphs",
         "These lecture notes introduce graph theory, the study of networks made of vertices joined by "
         "edges. A graph consists of a set of vertices and a set of edges, each edge joining two vertices.",
         "Definition 1.1. The degree of a vertex is the number of edges that meet it. In every graph the "
         "sum of the vertex degrees is twice the number of edges.",
         "A path in a graph is a sequence of distinct vertices in which consecutive vertices are joined by "
         "an edge. A graph is connected when any two of its vertices are joined by a path.",
         "Exercise 1.2. Show that every graph has an even number of vertices of odd degree."),
    page("Chapter 2 Trees",
         "Theorem 2.1. A connected graph without cycles is called a tree, and a tree with n vertices has "
         "exactly n - 1 edges.",
         "Every connected graph contains a spanning tree, a tree that uses every vertex of the graph. "
         "Spanning trees of minimum weight are found by the greedy algorithms of Kruskal and Prim.",
         "Remark 2.2. Removing any edge of a tree disconnects the graph, and adding any edge to a tree "
         "creates exactly one cycle."),
    page("Chapter 3 Colouring",
         "A colouring of a graph assigns colours to its vertices so that adjacent vertices receive "
         "different colours. The chromatic number of a graph is the least number of colours a colouring "
         "needs.",
         "The four colour theorem states that the vertices of every planar graph can be coloured with at "
         "most four colours, so that no edge joins two vertices of the same colour.",
         "Exercise 3.1. Find the chromatic number of the cycle graph with five vertices."),
]

SAMPLES = {"de": TOPOLOGY_DE, "fr": LINEAR_ALGEBRA_FR, "es": PROBABILITY_ES, "en": GRAPH_THEORY_EN}
NOT_CONCEPTS = frozenset().union(*STOPWORDS_BY_LANGUAGE.values(), *STRUCTURE_WORDS_BY_LANGUAGE.values())


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_the_language_of_each_sample_is_recognised(language):
    assert detect_language("\n".join(SAMPLES[language])) == language


def test_a_long_text_is_recognised_by_its_samples_and_a_text_without_words_falls_back_to_english():
    assert detect_language("\n".join(TOPOLOGY_DE) * 300) == "de"
    assert detect_language("") == "en"
    assert detect_language("∫ f(x) dx = 42, ∑ a_n ≤ 3.14 ⇒ ∅ ⊂ X") == "en"


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_no_concept_is_a_function_word_or_a_heading_word(language):
    concepts = key_concepts("\n".join(SAMPLES[language]))
    assert len(concepts) == 8
    for concept in concepts:
        words = concept.lower().split()
        assert words[0] not in NOT_CONCEPTS and words[-1] not in NOT_CONCEPTS, concepts
        assert not any(word.isdigit() for word in words), concepts


def test_a_german_topology_script_yields_topology_terms_spelled_as_german_nouns():
    concepts = key_concepts("\n".join(TOPOLOGY_DE))
    assert sum(any(stem in concept.lower() for stem in ("raum", "räume", "topolog", "menge", "offen"))
               for concept in concepts) >= 3, concepts
    nouns = [word for concept in concepts for word in concept.split()
             if word.lower() in {"raum", "räume", "topologie", "menge", "mengen", "umgebung", "kompaktheit"}]
    assert nouns and all(word[0].isupper() for word in nouns), concepts


def test_the_given_language_decides_which_function_words_go():
    text = "\n".join(TOPOLOGY_DE)
    assert key_concepts(text, language="de") == key_concepts(text)
    # Told the text is English, only English function words go: German ones come through as concepts.
    forced = [concept.lower() for concept in key_concepts(text, limit=40, language="en")]
    assert {"eine", "gilt", "dann", "sind"} & {word for concept in forced for word in concept.split()}


def test_english_keeps_its_own_rules_and_others_do_not_get_them():
    english = key_concepts("The treaty was signed. The treaty was declared void. It was declared again.", limit=5)
    assert "declared" not in english and "treaty" in english
    # "-ed" marks no past tense in German: "Unterschied" (difference) is a noun.
    german = key_concepts("Der Unterschied ist klein. Der Unterschied bleibt bestehen. Ein Unterschied.",
                          limit=3, language="de")
    assert "Unterschied" in german


def test_french_elisions_are_not_part_of_the_word():
    concepts = key_concepts("L'espace vectoriel est complet. D'après le cours, l'espace est normé. "
                            "L'espace dual est aussi un espace.", limit=4, language="fr")
    assert "espace" in [concept.lower() for concept in concepts], concepts
    assert not any("'" in concept or "’" in concept for concept in concepts), concepts


def test_the_english_stopwords_keep_their_meaning():
    assert {"the", "which", "example", "chapter"} <= STOPWORDS and "glacier" not in STOPWORDS
