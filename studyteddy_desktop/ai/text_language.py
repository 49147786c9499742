"""The language of a document (English, German, French or Spanish) and the words of each that name no concept.

Function words make up a third to a half of any running text, and each language has its own, so the
share of a sample's words found in each list tells the languages apart in milliseconds. A word in
several lists ("de", "la", "a") counts for each of them in part, so shared words decide nothing.
"""

from __future__ import annotations

import re

SUPPORTED_LANGUAGES = ("en", "de", "fr", "es")
FALLBACK_LANGUAGE = "en"
_WORD = re.compile(r"[^\W\d_]+")
# Long texts are read in evenly spaced windows: the languages of a script's parts all get a say.
_SAMPLE_WINDOWS = 24
_WINDOW_CHARS = 2_000
# Below this share of function words the sample is formulas, tables or a language not listed.
_MIN_SHARE = 0.04
_MIN_WORDS = 8

STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "en": frozenset("""
a about above according after again against all almost along already also although always am among
an and another any anyone anything are around as at be became because become becomes been before
being below besides between beyond both but by can cannot could did do does doing done down during
each either else enough especially even ever every few for from further furthermore get gets given
gives got had has have having he hence her here hers herself him himself his how however i if in
indeed instead into is it its itself just least less let lets like made make makes many may me
might more moreover most mostly much must my myself namely neither never no nor not now of off
often on once one only onto or other others otherwise our ours ourselves out over own per perhaps
quite rather really same say says said several shall she should show shown shows since so some
something sometimes still such suppose than that the their theirs them themselves then there
thereby therefore these they this those though three through throughout thus to together too
toward towards two under unless until up upon us use used uses using usually very via was way we
well were what whatever when whenever where whereas wherever whether which while who whom whose
why will with within without would yet you your yours yourself yourselves follows following holds
hold called consider denote denoted assume obtain obtained clearly first second third within
""".split()),
    "de": frozenset("""
aber alle allem allen aller alles allgemein allgemeinen als also am an andere anderem anderen
anderer anderes andererseits anders auch auf aus außer außerdem bei beide beiden beim beispielsweise
beliebig beliebige beliebigen beliebiger beliebiges bereits besonders betrachte betrachten betrachtet
bezeichne bezeichnen bezeichnet bezüglich bzgl bzw bin bis bist da dabei dadurch dafür dagegen daher
damit danach dann daran darauf daraus darf darin darum darunter darüber das dass daß davon dazu
definieren definiert dein deine dem demnach den denen denn dennoch der deren derer des deshalb dessen
desto dich die dies diese diesem diesen dieser dieses dir doch dort du durch dürfen ebenfalls ebenso
ein eine einem einen einer eines einerseits einfach einige einigen einiger einmal entsprechend er
erhalten erhält ergibt erst es etwa etwas euch existiert existieren falls ferner folgende folgenden
folgender folgendes folgt folgen für ganz gar gegeben gegen gelte gelten gemäß genau gerade gibt gilt
gleich hat hatte hätte haben heißt heißen hier hierbei hierzu hin hinter ich ihm ihn ihnen ihr ihre
ihrem ihren ihrer im immer in indem insbesondere ist ja je jede jedem jeden jeder jedes jedoch jene
jeweils jetzt kann kein keine keinem keinen keiner klar können könnte lassen lässt liefert man manche
mehr mit mittels muss müssen nach nachdem nämlich neben nennen nennt genannt nicht nichts noch nun nur
ob oder offenbar offensichtlich oft ohne schließlich schon sehr sei seien sein seine seinem seinen
seiner seit selbst sich sie sind so sodass sofern sogar solche solchen soll sollen somit sondern
sowie sowohl statt stets trivialerweise trotz über überhaupt um umgekehrt und uns unser unsere unter
usw viel viele vom von vor wähle wählen während wann war waren warum was weder wegen weil weiter
weiterhin welche welchem welchen welcher welches wenn wer werden wie wieder wir wird wo wobei wodurch
wohl worden wurde wurden würde zeigen zeigt gezeigt zu zum zunächst zur zwar zwei drei zwischen
""".split()),
    "fr": frozenset("""
à afin ai ainsi alors après as au aucun aucune auquel aura aurait aussi autre autres aux auxquels
avaient avait avant avec avez avoir avons ayant bien car ce ceci cela celle celles celui cependant
certain certaine certaines certains ces cet cette ceux chacun chacune chaque chez ci comme comment
considérons contre dans de des dès depuis donc dont du duquel déjà elle elles en encore enfin ensuite
entre est et étaient était étant été être eu eux également existe existent fait faire fois font hors
ici il ils je jusque la laquelle le lequel les lesquels leur leurs lors lorsque lui ma mais me même
mêmes mes moi moins mon montre montrer ne ni non nos notamment notons notre nous on ont or ou où par
parce parmi pas pendant peu peut peuvent plus plusieurs posons pour pourquoi puis puisque quand que
quel quelle quelles quels quelque quelques qui quoi sa sans se selon ses seulement si sinon soi
soient soit sommes son sont souvent sous suis supposons sur ta tandis te tel telle telles tels tes toi
ton toujours tous tout toute toutes très tu un une vers voici voilà vos votre vous appelle appelé
appelée appelés vérifie vérifiant deux trois premier première second seconde ainsi dit dite dits
dites autrement chose choses celui-ci celle-ci est-à-dire cas l d qu c n jusqu lorsqu puisqu
""".split()),
    "es": frozenset("""
a además al algo alguna algunas alguno algunos algún ante antes aquel aquella aquellas aquellos aquí
así aunque bien cada como con contra cual cuales cualquier cuando cuya cuyas cuyo cuyos cómo cuál
cuándo da dado dada dadas dados dan de debe deben decimos decir del demás desde dice dicho dicha donde
dos durante dónde e el ella ellas ello ellos en entonces entre era eran es esa esas ese eso esos esta
estas este esto estos está están estar existe existen fue fueron ha había habían hace hacer hacia han
hasta hay hecho la las le les llamado llamada llamamos llama lo los luego manera más me mediante menos
mi mientras mis mismo misma mismos mismas mucho muchos muy nada ni ninguna ninguno ningún no nos
nosotros nuestra nuestro o obtenemos os otra otras otro otros para pero poco podemos por porque pues
puede pueden que qué quien quienes se sea sean según ser será serán sería si siempre siendo sin sino
sobre solo sólo son su sus sí también tal tales tan tanto te tenemos tener tiene tienen toda todas
todo todos tras tres tu tus un una uno unos unas vemos veamos vez veces y ya yo él éste ésta
supongamos consideremos denotamos denota primero primera segundo segunda forma
""".split()),
}

# Words that label the parts of lecture notes and scripts: headings and cross-references, not topics.
STRUCTURE_WORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "en": frozenset("""
remark remarks proof proofs definition definitions theorem theorems lemma lemmas lemmata corollary
corollaries example examples exercise exercises chapter chapters section sections page pages
proposition propositions figure figures table tables appendix contents introduction summary notation
notations claim claims conjecture note notes lecture lectures problem problems solution solutions
homework sheet assignment assignments qed thm prop cor def exercise sheet outline preface
""".split()),
    "de": frozenset("""
bemerkung bemerkungen beweis beweise definition definitionen satz sätze lemma lemmata korollar
korollare beispiel beispiele aufgabe aufgaben übung übungen übungsaufgabe übungsaufgaben übungsblatt
kapitel abschnitt abschnitte seite seiten folgerung folgerungen proposition propositionen theorem
theoreme anmerkung anmerkungen notation inhaltsverzeichnis inhalt einleitung vorwort literatur
anhang vorlesung vorlesungen skript tabelle tabellen behauptung lösung lösungen hinweis bsp bem kor
bew def prop vgl
""".split()),
    "fr": frozenset("""
remarque remarques preuve preuves démonstration démonstrations définition définitions théorème
théorèmes lemme lemmes corollaire corollaires exemple exemples exercice exercices chapitre chapitres
section sections page pages proposition propositions propriété propriétés annexe sommaire
introduction conclusion notation notations figure figures tableau tableaux cours leçon partie
paragraphe solution solutions correction corrigé énoncé question questions rappel rappels
""".split()),
    "es": frozenset("""
observación observaciones nota notas demostración demostraciones prueba pruebas definición
definiciones teorema teoremas lema lemas corolario corolarios ejemplo ejemplos ejercicio ejercicios
capítulo capítulos sección secciones página páginas proposición proposiciones propiedad propiedades
apéndice índice introducción conclusión notación figura figuras tabla tablas tema lección parte
solución soluciones problema problemas enunciado
""".split()),
}

ALL_STRUCTURE_WORDS = frozenset().union(*STRUCTURE_WORDS_BY_LANGUAGE.values())

# How much one occurrence of a word says for each language that lists it.
_EVIDENCE: dict[str, dict[str, float]] = {}
for _language, _words in STOPWORDS_BY_LANGUAGE.items():
    for _word in _words:
        _EVIDENCE.setdefault(_word, {})[_language] = 1.0
for _shares in _EVIDENCE.values():
    for _language in _shares:
        _shares[_language] = 1.0 / len(_shares)


def detect_language(text: str) -> str:
    """"en", "de", "fr" or "es": the language whose function words the text uses most; "en" if unsure."""
    words = _WORD.findall(_sample(text).lower())
    if len(words) < _MIN_WORDS:
        return FALLBACK_LANGUAGE
    scores = dict.fromkeys(SUPPORTED_LANGUAGES, 0.0)
    for word in words:
        for language, share in _EVIDENCE.get(word, {}).items():
            scores[language] += share
    best = max(SUPPORTED_LANGUAGES, key=lambda language: scores[language])
    return best if scores[best] / len(words) >= _MIN_SHARE else FALLBACK_LANGUAGE


def stopwords_for(language: str) -> frozenset[str]:
    """The function words of `language` and of English, which scripts in any language quote."""
    return STOPWORDS_BY_LANGUAGE.get(language, frozenset()) | STOPWORDS_BY_LANGUAGE[FALLBACK_LANGUAGE]



def _sample(text: str) -> str:
    if len(text) <= _SAMPLE_WINDOWS * _WINDOW_CHARS:
        return text
    step = (len(text) - _WINDOW_CHARS) / (_SAMPLE_WINDOWS - 1)
    return "\n".join(text[int(index * step):int(index * step) + _WINDOW_CHARS] for index in range(_SAMPLE_WINDOWS))
