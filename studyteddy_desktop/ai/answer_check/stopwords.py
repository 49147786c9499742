"""Function words of English, German, French and Spanish, which say nothing about what a sentence is about."""

from __future__ import annotations


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


ENGLISH = _listed("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each even every few for from further had has
have having he her here hers herself him himself his how however i if in into is it its itself just least
less let like made make many may me might more most much must my myself no nor not now of off often on once
one only or other others our ours ourselves out over own per same she should since so some such than that
the their theirs them themselves then there these they this those through thus to too under until up upon
us very via was we well were what when where which while who whom whose why will with within without would
yet you your yours yourself yourselves according please tell explain say says said mean means
great good question questions answer sure certainly hope helps help thanks thank okay glad happy hello
""")

GERMAN = _listed("""
aber alle allem allen aller alles als also am an andere anderen auch auf aus bei beim bin bis bist da damit
dann das dass dem den denen denn der des dessen die dies diese diesem diesen dieser dieses doch dort du durch
ein eine einem einen einer eines er es etwa euch euer für gegen hat hatte hätte haben habe ich ihm ihn ihr
ihre ihrem ihren ihrer im in ist ja jede jedem jeden jeder jedes jetzt kann kein keine können man mehr mein
meine mich mir mit muss nach nicht noch nun nur ob oder ohne sehr sein seine sich sie sind so solche soll
sowie über um und uns unser unter viel vom von vor war waren was weil welche welcher welches wenn wer werden
wie wir wird wo zu zum zur zwischen dabei daher deren hier sowohl bzw heißt nennt
""")

FRENCH = _listed("""
au aux avec ce ces cette celle celui dans de des du elle elles en est et être eux il ils je la le les leur
leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sont
sur ta te tes toi ton tu un une vos votre vous été était sont cela ceci comme donc dont ainsi aussi plus
très tout tous toute toutes entre sans sous chez quel quelle quels quelles appelle
""")

SPANISH = _listed("""
al algo algunos ante antes como con contra cual cuando de del desde donde durante el ella ellas ellos en
entre era es esa ese eso esta este esto estos fue ha han hasta la las le les lo los más me mi muy nada ni
no nos o otra otro para pero poco por porque que quien se ser si sin sobre son su sus también tan te tiene
todo todos tu un una uno unos usted y ya llama llaman cuál qué cómo
""")

BY_LANGUAGE = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH}
ALL = ENGLISH | GERMAN | FRENCH | SPANISH
