"""Demo member firms of a Polish-German-Romanian ICT cluster, with their competences and users."""

from typing import NotRequired, TypedDict


class DemoMember(TypedDict):
    name: str
    country: str
    website: str
    description: str
    competences: tuple[str, ...]
    users: tuple[tuple[str, str], ...]


DEMO_MEMBERS: tuple[DemoMember, ...] = (
    {
        "name": "Odra Software sp. z o.o.",
        "country": "PL",
        "website": "https://odra-software.example",
        "description": (
            "Odra Software is a Wrocław software house of about sixty engineers building web "
            "platforms for logistics and fintech clients. The team works mostly in Python and "
            "Java and runs what it builds on AWS and Kubernetes."
        ),
        "competences": (
            "Python",
            "Django",
            "Java",
            "Spring Boot",
            "React",
            "AWS",
            "Kubernetes",
            "PostgreSQL",
            "Test automation",
        ),
        "users": (
            ("Agnieszka Nowak", "agnieszka.nowak@odra-software.example"),
            ("Tomasz Wiśniewski", "tomasz.wisniewski@odra-software.example"),
        ),
    },
    {
        "name": "Strażnica Security sp. z o.o.",
        "country": "PL",
        "website": "https://straznica-security.example",
        "description": (
            "Strażnica Security is a Kraków cybersecurity firm offering penetration tests, "
            "a 24/7 security operations centre and compliance programmes. It helps banks, "
            "hospitals and municipal utilities prepare for ISO 27001 certification and NIS2."
        ),
        "competences": (
            "Penetration testing",
            "ISO 27001 implementation",
            "Security operations (SOC)",
            "Incident response",
            "Identity and access management",
            "Cloud security",
            "Secure code review",
            "NIS2 compliance",
            "Microsoft Azure",
        ),
        "users": (
            ("Paweł Zieliński", "pawel.zielinski@straznica-security.example"),
            ("Katarzyna Wójcik", "katarzyna.wojcik@straznica-security.example"),
        ),
    },
    {
        "name": "Żuraw Games sp. z o.o.",
        "country": "PL",
        "website": "https://zuraw-games.example",
        "description": (
            "Żuraw Games is an independent game studio from Gdańsk making narrative adventure "
            "and co-op titles for PC and consoles. Between its own releases it takes on "
            "porting and co-development work for other publishers."
        ),
        "competences": (
            "Unity",
            "Unreal Engine",
            ".NET / C#",
            "Game design",
            "Level design",
            "3D art and animation",
            "Console porting",
            "Multiplayer networking",
        ),
        "users": (("Michał Kowalczyk", "michal.kowalczyk@zuraw-games.example"),),
    },
    {
        "name": "Spreewerk Digital GmbH",
        "country": "DE",
        "website": "https://spreewerk-digital.example",
        "description": (
            "Spreewerk Digital is a Berlin UX and product design agency working for public "
            "institutions, health start-ups and e-commerce. It runs user research, builds "
            "design systems and delivers accessible front ends in React."
        ),
        "competences": (
            "UX research",
            "Figma prototyping",
            "UI design",
            "Design systems",
            "Accessibility audit (WCAG)",
            "Usability testing",
            "React",
            "TypeScript",
        ),
        "users": (
            ("Lena Hoffmann", "lena.hoffmann@spreewerk-digital.example"),
            ("Jonas Becker", "jonas.becker@spreewerk-digital.example"),
        ),
    },
    {
        "name": "Pleißetal Consulting GmbH",
        "country": "DE",
        "website": "https://pleissetal-consulting.example",
        "description": (
            "Pleißetal Consulting is a Leipzig SAP partner that moves mid-sized manufacturers "
            "and wholesalers from ECC to SAP S/4HANA. It also builds reporting on top of the "
            "new systems and manages the rollout projects end to end."
        ),
        "competences": (
            "SAP S/4HANA",
            "SAP ABAP development",
            "SAP Fiori",
            "Microsoft Dynamics 365",
            "Data warehousing",
            "Power BI",
            "Business analysis",
            "PRINCE2",
        ),
        "users": (
            ("Jürgen Schäfer", "juergen.schaefer@pleissetal-consulting.example"),
            ("Sabine Krüger", "sabine.krueger@pleissetal-consulting.example"),
        ),
    },
    {
        "name": "Elbtal Systemtechnik GmbH",
        "country": "DE",
        "website": "https://elbtal-systemtechnik.example",
        "description": (
            "Elbtal Systemtechnik is a Dresden engineering company designing embedded "
            "electronics and firmware for industrial machinery and automotive suppliers. "
            "Its team covers everything from PCB layout to Yocto-based gateways and PLC "
            "integration on the shop floor."
        ),
        "competences": (
            "Embedded C/C++",
            "Yocto Linux",
            "FreeRTOS",
            "AUTOSAR",
            "PLC programming",
            "PCB design",
            "OPC UA integration",
            "Computer vision",
            "Python",
        ),
        "users": (("Matthias Böhm", "matthias.boehm@elbtal-systemtechnik.example"),),
    },
    {
        "name": "Someș Data SRL",
        "country": "RO",
        "website": "https://somes-data.example",
        "description": (
            "Someș Data is a Cluj-Napoca consultancy building data platforms and machine "
            "learning products for retail and telecom clients. It designs pipelines on AWS "
            "and Google Cloud and puts language models into production."
        ),
        "competences": (
            "Python",
            "Data engineering",
            "Apache Spark",
            "Machine learning",
            "Natural language processing",
            "LLM integration",
            "AWS",
            "Google Cloud Platform",
            "Terraform",
        ),
        "users": (
            ("Ioana Mureșan", "ioana.muresan@somes-data.example"),
            ("Radu Pop", "radu.pop@somes-data.example"),
        ),
    },
    {
        "name": "Ceahlău Software SRL",
        "country": "RO",
        "website": "https://ceahlau-software.example",
        "description": (
            "Ceahlău Software is an Iași outsourcing company with dedicated Java and .NET "
            "teams for western European clients. It also implements Salesforce and Odoo for "
            "smaller firms and runs a test automation practice."
        ),
        "competences": (
            "Java",
            "Spring Boot",
            ".NET / C#",
            "Angular",
            "Microsoft Azure",
            "Salesforce",
            "Odoo",
            "Test automation",
            "Selenium",
        ),
        "users": (
            ("Mihai Ciobanu", "mihai.ciobanu@ceahlau-software.example"),
            ("Elena Rusu", "elena.rusu@ceahlau-software.example"),
        ),
    },
)


class DemoOffer(TypedDict):
    firm: str
    price: int
    status: str
    message: str
    basis: NotRequired[str]


class DemoQuestion(TypedDict):
    firm: str
    text: str
    answer: str


class DemoNeed(TypedDict):
    firm: str
    title: str
    description: str
    competences: tuple[str, ...]
    status: str
    deadline_in_days: int
    budget: tuple[int | None, int | None, str]
    work_mode: str
    location: str
    reason: str
    offers: tuple[DemoOffer, ...]
    questions: NotRequired[tuple[DemoQuestion, ...]]
    clarification: NotRequired[str]


DEMO_NEEDS: tuple[DemoNeed, ...] = (
    {
        "firm": "Odra Software sp. z o.o.",
        "title": "Security audit of our payment API before go-live",
        "description": (
            "We are launching a payment gateway for a logistics client in the first quarter.\n\n"
            "We need an **independent penetration test** of the public REST API (about 40 "
            "endpoints, OAuth 2.0) and a review of the code that handles card tokens.\n\n"
            "- report in English, with severity ratings\n"
            "- a retest after we fix the findings\n"
        ),
        "competences": ("penetration-testing", "secure-code-review", "api-testing"),
        "status": "open",
        "deadline_in_days": 12,
        "budget": (15000, 30000, "EUR"),
        "work_mode": "remote",
        "location": "",
        "reason": "",
        "offers": (
            {
                "firm": "Strażnica Security sp. z o.o.",
                "price": 24500,
                "status": "shortlisted",
                "message": "Two OSCP-certified testers, ten working days, retest included.",
            },
        ),
        "questions": (
            {
                "firm": "Strażnica Security sp. z o.o.",
                "text": "Is the code that handles card tokens in Kotlin or in Java?",
                "answer": "Kotlin, about 4,000 lines, in one module.",
            },
            {
                "firm": "Ceahlău Software SRL",
                "text": "May the retest be done remotely, or do you need someone on site?",
                "answer": "",
            },
        ),
        "clarification": "We share the OpenAPI 3.1 description of the API once an NDA is signed.",
    },
    {
        "firm": "Pleißetal Consulting GmbH",
        "title": "Two SAP ABAP developers for an S/4HANA migration, six months",
        "description": (
            "A mid-sized manufacturer moves from ECC to S/4HANA. We need two experienced ABAP "
            "developers to adapt custom code (about 600 objects) and write Fiori extensions.\n\n"
            "Work is remote with one week on site in Leipzig per month."
        ),
        "competences": ("sap-abap-development", "sap-s-4hana", "sap-fiori"),
        "status": "open",
        "deadline_in_days": 20,
        "budget": (None, 180000, "EUR"),
        "work_mode": "hybrid",
        "location": "Leipzig",
        "reason": "",
        "offers": (
            {
                "firm": "Ceahlău Software SRL",
                "price": 620,
                "basis": "day",
                "status": "submitted",
                "message": "Two seniors with three S/4 conversions behind them, from February.",
            },
        ),
    },
    {
        "firm": "Spreewerk Digital GmbH",
        "title": "Unity developer for an interactive museum installation",
        "description": (
            "For a science museum in Berlin we design a touch-table installation about the "
            "river Spree. We look for a Unity developer (and ideally a 3D artist) for three "
            "months to build it from our Figma prototypes."
        ),
        "competences": ("unity", "3d-art-and-animation"),
        "status": "open",
        "deadline_in_days": 9,
        "budget": (20000, 35000, "EUR"),
        "work_mode": "remote",
        "location": "",
        "reason": "",
        "offers": (
            {
                "firm": "Żuraw Games sp. z o.o.",
                "price": 31000,
                "status": "submitted",
                "message": "A Unity lead and a 3D artist who shipped two museum pieces.",
            },
        ),
    },
    {
        "firm": "Elbtal Systemtechnik GmbH",
        "title": "Data pipeline and dashboards for factory sensor data",
        "description": (
            "Our PLC and OPC UA gateways already collect machine data. We need a data "
            "engineer to land it in a warehouse and build Power BI dashboards for shift leads."
        ),
        "competences": ("data-engineering", "apache-spark", "power-bi"),
        "status": "open",
        "deadline_in_days": 25,
        "budget": (40000, 60000, "EUR"),
        "work_mode": "hybrid",
        "location": "Dresden",
        "reason": "",
        "offers": (
            {
                "firm": "Someș Data SRL",
                "price": 52000,
                "status": "submitted",
                "message": "Spark on AWS with a Power BI layer; we did the same for a Cluj plant.",
            },
            {
                "firm": "Odra Software sp. z o.o.",
                "price": 58000,
                "status": "withdrawn",
                "message": "Python and Spark team of three.",
            },
        ),
    },
    {
        "firm": "Ceahlău Software SRL",
        "title": "Accessibility audit (WCAG 2.2) of a public e-services portal",
        "description": (
            "A Romanian municipality must meet the European Accessibility Act. We need an "
            "audit of 25 page templates, with fixes prioritised for our developers."
        ),
        "competences": ("accessibility-audit-wcag", "usability-testing"),
        "status": "pending",
        "deadline_in_days": 30,
        "budget": (8000, 12000, "EUR"),
        "work_mode": "remote",
        "location": "",
        "reason": "",
        "offers": (),
    },
    {
        "firm": "Someș Data SRL",
        "title": "Kubernetes platform engineer for three months",
        "description": "Help us move twelve services from VMs to a managed Kubernetes cluster.",
        "competences": ("kubernetes", "terraform", "ci-cd-pipelines"),
        "status": "closed",
        "deadline_in_days": 5,
        "budget": (90000, 120000, "RON"),
        "work_mode": "hybrid",
        "location": "Cluj-Napoca",
        "reason": "",
        "offers": (
            {
                "firm": "Odra Software sp. z o.o.",
                "price": 110000,
                "status": "accepted",
                "message": "A CKA-certified engineer, Terraform modules included.",
            },
            {
                "firm": "Ceahlău Software SRL",
                "price": 98000,
                "status": "declined",
                "message": "One engineer, part time.",
            },
        ),
    },
    {
        "firm": "Żuraw Games sp. z o.o.",
        "title": "Playtesting and performance QA for a multiplayer release",
        "description": "Four weeks of manual playtesting and load tests before our launch.",
        "competences": ("manual-testing", "performance-testing", "multiplayer-networking"),
        "status": "draft",
        "deadline_in_days": 15,
        "budget": (None, None, "PLN"),
        "work_mode": "remote",
        "location": "",
        "reason": "",
        "offers": (),
    },
    {
        "firm": "Strażnica Security sp. z o.o.",
        "title": "React front end for our SOC dashboard",
        "description": "We need a React developer to rebuild the dashboard our analysts use.",
        "competences": ("react", "typescript", "ui-design"),
        "status": "changes_requested",
        "deadline_in_days": 18,
        "budget": (None, None, "PLN"),
        "work_mode": "remote",
        "location": "",
        "reason": (
            "Please say how long the work should take and give at least a budget range, so "
            "firms can judge whether to offer."
        ),
        "offers": (),
    },
)
