"""News-style articles written for feedsum's language tests, one per language.

Each is (BCP 47 tag, paragraphs, the number of sentences a native reader counts).
"""

# Text in other scripts on purpose: its letters are not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

SAMPLES: dict[str, tuple[tuple[str, ...], int]] = {
    "de": (
        (
            "Die Stadt Freiburg baut bis 2027 ein neues Radwegenetz. Das kündigte "
            "Oberbürgermeister Dr. Martin Horn am Dienstag im Gemeinderat an. "
            "Die Kosten liegen bei rund 40 Mio. Euro.",
            "Der Ausbau beginnt an der Bundesstraße Nr. 31, wo täglich tausende Pendler "
            "fahren. Anwohner hatten sich seit Jahren über gefährliche Kreuzungen beklagt. "
            "Die Stadtverwaltung will die Radwege bzw. die Gehwege deutlich verbreitern, "
            "z. B. an der Kaiser-Joseph-Straße, d. h. mitten in der Altstadt.",
            "Kritik kommt u. a. von der Opposition im Gemeinderat. Sie hält die Pläne für zu "
            "teuer. "
            "Der Radverkehr in Freiburg ist in zehn Jahren um ein Drittel gewachsen. "
            "Die ersten Radwege sollen schon im Herbst fertig sein.",
        ),
        10,
    ),
    "fr": (
        (
            "La mairie de Lyon a présenté mardi un plan pour rénover les écoles de la ville. "
            "Selon M. Grégory Doucet, le maire, les travaux coûteront 120 millions d'euros. "
            "Les premières écoles seront rénovées dès l'été prochain.",
            "Le plan prévoit d'isoler les toits et de remplacer les fenêtres. "
            "Les parents d'élèves réclamaient ces travaux depuis des années. "
            "Mme Dupont, présidente d'une association de parents, a salué une bonne nouvelle, "
            "p. ex. pour les écoles du 8e arrondissement.",
            "L'opposition juge le calendrier trop lent. Elle demande que les écoles les plus "
            "anciennes passent en premier. La ville compte plus de deux cents écoles publiques.",
        ),
        9,
    ),
    "es": (
        (
            "El Ayuntamiento de Valencia aprobó el lunes un plan para plantar diez mil árboles. "
            "El Sr. García, concejal de Medio Ambiente, dijo que los árboles darán sombra "
            "en verano. El plan costará unos 15 millones de euros.",
            "Los barrios con menos zonas verdes recibirán los primeros árboles. "
            "Los vecinos llevaban años pidiendo más parques, p. ej. en Benimaclet. "
            "La Sra. López, portavoz vecinal, celebró la noticia.",
            "La oposición critica que el plan llega tarde. Los expertos recuerdan que la "
            "ciudad sufrió olas de calor récord el año pasado. Las obras empezarán en otoño.",
        ),
        9,
    ),
    "it": (
        (
            "Il Comune di Bologna ha approvato martedì un piano per nuove piste ciclabili. "
            "Secondo il sindaco, il progetto costerà circa 30 milioni di euro. "
            "I lavori inizieranno in primavera.",
            "Le prime piste collegheranno la stazione con l'università. "
            "Gli studenti chiedevano da anni percorsi più sicuri. "
            "Il sig. Rossi, presidente di un'associazione di ciclisti, ha accolto bene la notizia.",
            "L'opposizione ritiene il piano troppo costoso. "
            "Il traffico in bicicletta in città è cresciuto del venti per cento in cinque anni.",
        ),
        8,
    ),
    "pt-BR": (
        (
            "A prefeitura de Curitiba anunciou nesta segunda-feira um plano para ampliar o "
            "transporte público. O Sr. Almeida, secretário de Mobilidade, disse que serão "
            "compradas duzentas novas linhas de ônibus elétricos. O investimento chega a "
            "500 milhões de reais.",
            "Os primeiros ônibus devem circular no próximo ano, p. ex. na linha Centro. "
            "Moradores dos bairros mais distantes reclamavam do tempo de espera. "
            "A Sra. Costa, líder comunitária, elogiou a medida.",
            "A oposição na câmara municipal critica o custo do plano. "
            "Especialistas dizem que a frota atual é antiga e poluente.",
        ),
        8,
    ),
    "nl": (
        (
            "De gemeente Utrecht legt de komende jaren honderd nieuwe fietsenstallingen aan. "
            "Dat maakte wethouder Jansen dinsdag bekend. De kosten bedragen ongeveer "
            "twintig miljoen euro.",
            "De eerste stallingen komen bij het centraal station. Daar staan nu dagelijks "
            "duizenden fietsen op de stoep. Bewoners klagen al jaren over de overlast.",
            "De oppositie vindt het plan te duur. Volgens de gemeente groeit het fietsverkeer "
            "elk jaar. De bouw begint in het voorjaar.",
        ),
        9,
    ),
    "sv": (
        (
            "Regeringen presenterade på tisdagen ett nytt förslag om billigare kollektivtrafik. "
            "Enligt infrastrukturministern ska priset på månadskort sänkas med en tredjedel. "
            "Reformen beräknas kosta fyra miljarder kronor per år.",
            "Förslaget gäller från den första januari nästa år. "
            "Pendlare i Stockholm och Göteborg har länge klagat på höga biljettpriser. "
            "Oppositionen kallar förslaget för ett valfläsk.",
            "Trafikforskare tror att fler kommer att lämna bilen hemma. "
            "Kommunerna ska få extra pengar för att köpa in fler bussar. "
            "Beslutet väntas i riksdagen i december.",
        ),
        9,
    ),
    "pl": (
        (
            "Władze Krakowa ogłosiły we wtorek plan budowy nowej linii tramwajowej. "
            "Według prezydenta miasta inwestycja będzie kosztować około miliarda złotych. "
            "Prace mają ruszyć w przyszłym roku.",
            "Nowa linia połączy centrum z dużymi osiedlami na północy. "
            "Mieszkańcy od lat skarżą się na korki i przepełnione autobusy. "
            "Radni opozycji uważają, że plan jest zbyt drogi.",
            "Eksperci od transportu chwalą projekt. Pierwsze tramwaje mają pojechać za trzy lata.",
        ),
        8,
    ),
    "cs": (
        (
            "Praha v úterý představila plán na výstavbu nových cyklostezek. "
            "Podle primátora bude projekt stát zhruba dvě miliardy korun. "
            "Stavba začne příští jaro.",
            "První cyklostezky povedou podél Vltavy. Obyvatelé si léta stěžovali na "
            "nebezpečné křižovatky. Opozice považuje plán za příliš drahý.",
            "Počet cyklistů ve městě za deset let vzrostl o polovinu. "
            "Město chce také rozšířit chodníky.",
        ),
        8,
    ),
    "ru": (
        (
            "Власти Казани во вторник представили план строительства новой линии метро. "
            "По словам мэра, проект обойдется примерно в сто миллиардов рублей. "
            "Строительство начнется в следующем году.",
            "Новая линия соединит центр города с крупными жилыми районами. "
            "Жители давно жалуются на пробки и переполненные автобусы. "
            "Депутаты оппозиции считают план слишком дорогим.",
            "Эксперты по транспорту одобряют проект. Первые поезда должны пойти через пять лет.",
        ),
        8,
    ),
    "el": (
        (
            "Ο δήμος Θεσσαλονίκης παρουσίασε την Τρίτη σχέδιο για νέους ποδηλατόδρομους. "
            "Σύμφωνα με τον δήμαρχο, το έργο θα κοστίσει περίπου είκοσι εκατομμύρια ευρώ. "
            "Τα έργα θα ξεκινήσουν την άνοιξη.",
            "Οι πρώτοι ποδηλατόδρομοι θα συνδέσουν το κέντρο με το πανεπιστήμιο. "
            "Οι κάτοικοι παραπονιούνται εδώ και χρόνια για την κίνηση. "
            "Θα είναι ασφαλείς οι νέοι δρόμοι; Η αντιπολίτευση θεωρεί το σχέδιο πολύ ακριβό.",
            "Οι ειδικοί επαινούν το έργο. Η κυκλοφορία με ποδήλατο αυξάνεται κάθε χρόνο.",
        ),
        9,
    ),
    "tr": (
        (
            "İzmir Büyükşehir Belediyesi salı günü yeni bir tramvay hattı planını açıkladı. "
            "Belediye başkanına göre proje yaklaşık beş milyar liraya mal olacak. "
            "İnşaat gelecek yıl başlayacak.",
            "Yeni hat şehir merkezini büyük mahallelere bağlayacak. "
            "Sakinler yıllardır trafikten ve kalabalık otobüslerden şikayet ediyor. "
            "Muhalefet planın çok pahalı olduğunu düşünüyor.",
            "Ulaşım uzmanları projeyi övüyor. İlk tramvaylar üç yıl içinde çalışmaya başlayacak.",
        ),
        8,
    ),
    "ja": (
        (
            "東京都は火曜日、新しい自転車道の整備計画を発表した。総事業費は約百億円になる見通しだ。"
            "工事は来年の春に始まる。",
            "最初の自転車道は駅と大学を結ぶ。住民は長年、危険な交差点に不満を訴えてきた！"
            "計画は高すぎるのではないか？野党はそう批判している。",
        ),
        7,
    ),
    "ar": (
        (
            "أعلنت بلدية عمان يوم الثلاثاء عن خطة لبناء خط حافلات سريع جديد. "
            "وقال رئيس البلدية إن المشروع سيكلف نحو مئة مليون دينار. "
            "هل سينجح المشروع؟ يقول الخبراء إن المدينة بحاجة إليه.",
            "سيربط الخط الجديد وسط المدينة بالأحياء الكبيرة في الشمال. "
            "ويشكو السكان منذ سنوات من الازدحام المروري.",
        ),
        6,
    ),
}
